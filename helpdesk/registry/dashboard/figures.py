"""What the dashboard shows, computed inside the registry from its own tables.

Plan vs actual comes from the same report sections as ``helpdesk report`` (run over a
:class:`~helpdesk.reports.view.RecordView` on the database), so the page and the
yearly report agree. Units are compared with their own plan lines (``[[unit]]`` in the
plan file); a unit is *lagging* when its share of the year's target is below the share
of the year gone by. Results are cached until the data changes (new records, flags or
kiosk contact).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, func, select

from helpdesk.registry.payload import payload_text
from helpdesk.registry.schema import batches, flags, kiosks, records
from helpdesk.reports.plan import Plan
from helpdesk.workflow.types import Period, ReportSection

EXPIRY_DAYS = 90
SILENT_DAYS = 3  # a kiosk whose last report is older is highlighted: unsent records may be piling up


@dataclass(frozen=True)
class MetricYear:
    metric: str
    label_vi: str
    label_en: str
    by_year: dict[int, tuple[int | None, float]]  # year → (plan, actual)


@dataclass(frozen=True)
class UnitProgress:
    unit: str
    name: str
    level: str
    plan: int
    actual: float
    expected_share: float  # of the year gone by, 0..1

    @property
    def share(self) -> float:
        return self.actual / self.plan if self.plan else 1.0

    @property
    def lagging(self) -> bool:
        return self.plan > 0 and self.share < self.expected_share


@dataclass(frozen=True)
class LevelTotal:
    level: str
    plan: int
    actual: float
    units: int


@dataclass(frozen=True)
class Expiry:
    unit: str
    expired: int
    soon: int  # within EXPIRY_DAYS
    valid: int


@dataclass(frozen=True)
class KioskState:
    id: str
    unit: str | None
    revoked: bool
    last_contact: str | None
    head_seq: int
    head_time: str | None
    records: int
    flags: dict[str, int]
    pending: int | None = None  # records the kiosk still held unsent when it last reported (None: never said)
    reported_at: str | None = None

    def silent(self, today: date) -> bool:
        """Its last report is more than :data:`SILENT_DAYS` old (a kiosk that never reported is not judged)."""
        return self.reported_at is not None and self.reported_at[:10] < (today - timedelta(days=SILENT_DAYS)).isoformat()


@dataclass(frozen=True)
class Dashboard:
    plan: Plan
    year: int
    today: date
    metrics: tuple[MetricYear, ...]
    units: tuple[UnitProgress, ...]
    levels: tuple[LevelTotal, ...]
    expiry: tuple[Expiry, ...]
    kiosks: tuple[KioskState, ...]
    activity: dict[str, int]  # records per unit in the year (every type)
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    computed_at: str = ""
    budget: dict[str, int] = field(default_factory=dict)
    restored: bool = False  # kept from before (a restart, a new day): shown while it is computed afresh

    @property
    def lagging(self) -> list[UnitProgress]:
        return sorted((u for u in self.units if u.lagging), key=lambda u: u.share)


def _view_context(engine: Engine) -> Any:
    from helpdesk.config import Settings
    from helpdesk.reports.remote import view_context
    from helpdesk.reports.sources import SqlSource
    from helpdesk.reports.view import RecordView

    return view_context(Settings(home=Path(tempfile.gettempdir())), RecordView(SqlSource(engine)), "dashboard")


def expected_share(year: int, today: date) -> float:
    if year < today.year:
        return 1.0
    if year > today.year:
        return 0.0
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    return (today - start).days / (end - start).days


def compute(engine: Engine, plan: Plan, sections: tuple[ReportSection, ...], year: int,
            today: date | None = None) -> Dashboard:
    """Blocking: every figure of the page for ``year`` (plan vs actual over all plan years)."""
    from helpdesk.reports.build import budget_actual, build_report, plan_actuals

    started = time.perf_counter()
    today = today or datetime.now(UTC).date()
    ctx = _view_context(engine)
    actual, notes = plan_actuals(ctx, sections, plan)
    metrics = tuple(MetricYear(t.metric, t.label_vi, t.label_en,
                               {y: (t.for_year(y), actual.get((t.metric, y), 0)) for y in plan.years})
                    for t in plan.targets)
    share = expected_share(year, today)
    units: list[UnitProgress] = []
    for line in plan.units:
        wanted = sum(line.for_year(m, year) or 0 for m in line.targets)
        if not wanted:
            continue
        report = build_report(ctx, sections, Period(year), line.id, plan)
        done = sum(r.value for _s, r in report.rows() if r.metric in line.targets and line.for_year(r.metric, year))
        units.append(UnitProgress(line.id, line.name, line.level, wanted, done, share))
    levels: dict[str, list[UnitProgress]] = defaultdict(list)
    for u in units:
        levels[u.level or "—"].append(u)
    level_totals = tuple(LevelTotal(k, sum(u.plan for u in v), sum(u.actual for u in v), len(v))
                         for k, v in sorted(levels.items()))
    return Dashboard(plan, year, today, metrics, tuple(units), level_totals, _expiry(engine, today), _kiosks(engine),
                     _activity(engine, year), notes, time.perf_counter() - started,
                     datetime.now(UTC).strftime("%d/%m/%Y %H:%M:%S UTC"),
                     {"plan": plan.budget_total, "actual": budget_actual(plan, actual)})


def _activity(engine: Engine, year: int) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(records.c.unit, func.count()).where(
            records.c.time >= f"{year}-01-01", records.c.time < f"{year + 1}-01-01").group_by(records.c.unit)).all()
    return {str(unit or "—"): int(n) for unit, n in rows}


def _expiry(engine: Engine, today: date) -> tuple[Expiry, ...]:
    """Per unit: certificates (by serial, the latest record about each) expired, expiring
    within :data:`EXPIRY_DAYS`, still valid — from records whose payload carries
    ``not_after`` (or ``certificate.not_after``, as handover records do)."""
    dialect = engine.dialect.name
    end_of = func.coalesce(payload_text(dialect, "certificate", "not_after"), payload_text(dialect, "not_after"))
    latest: dict[str, tuple[str, str, str]] = {}  # serial → (time, unit, not_after)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=20000).execute(
            select(records.c.cert_serial, records.c.unit, records.c.time, end_of)
            .where(records.c.cert_serial.is_not(None)))
        for serial, unit, when, end in result:
            if end and (serial not in latest or latest[serial][0] <= when):
                latest[serial] = (when, unit or "—", str(end))
    now = today.isoformat()
    soon = (today + timedelta(days=EXPIRY_DAYS)).isoformat()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for _when, unit, end in latest.values():
        day = end[:10]
        counts[unit][0 if day < now else 1 if day <= soon else 2] += 1
    return tuple(Expiry(u, *c) for u, c in sorted(counts.items(), key=lambda kv: (-kv[1][1], kv[0])))


def _kiosks(engine: Engine) -> tuple[KioskState, ...]:
    with engine.connect() as conn:
        contact = dict(conn.execute(select(batches.c.kiosk_id, func.max(batches.c.received_at))
                                    .group_by(batches.c.kiosk_id)).all())
        held: dict[str, int] = {k: int(n) for k, n in conn.execute(
            select(records.c.kiosk_id, func.count()).group_by(records.c.kiosk_id))}
        flagged: dict[str, dict[str, int]] = defaultdict(dict)
        for kiosk_id, kind, n in conn.execute(select(flags.c.kiosk_id, flags.c.kind, func.count())
                                              .group_by(flags.c.kiosk_id, flags.c.kind)):
            flagged[kiosk_id][kind] = int(n)
        rows = conn.execute(select(kiosks).order_by(kiosks.c.id)).all()
    return tuple(KioskState(r.id, r.unit, r.revoked_at is not None, contact.get(r.id), int(r.head_seq), r.head_time,
                            int(held.get(r.id, 0)), flagged.get(r.id, {}),
                            None if r.reported_pending is None else int(r.reported_pending), r.reported_at)
                 for r in rows)


def data_version(engine: Engine) -> tuple[Any, ...]:
    """Changes whenever a figure could: records, flags, kiosks, batches."""
    with engine.connect() as conn:
        return tuple(conn.execute(select(
            select(func.max(records.c.pk)).scalar_subquery(), select(func.count()).select_from(flags).scalar_subquery(),
            select(func.max(batches.c.received_at)).scalar_subquery(),
            select(func.max(kiosks.c.enrolled_at)).scalar_subquery(),
            select(func.count()).select_from(kiosks).where(kiosks.c.revoked_at.is_not(None)).scalar_subquery(),
        )).one())


class PageStore(Protocol):
    """Where computed pages outlive the process (:class:`helpdesk.registry.dashboard.stored.KeptPages`)."""

    def load(self, engine: Engine, plan: Plan, sections: tuple[ReportSection, ...], year: int) -> Dashboard | None: ...

    def save(self, engine: Engine, plan: Plan, sections: tuple[ReportSection, ...], board: Dashboard) -> None: ...


#: the version a kept page is held under: equal to no data version, so it is recomputed once
KEPT: tuple[Any, ...] = ("kept",)


class Cache:
    """The last computed :class:`Dashboard` per year.

    While the data has not changed, the held page is served. When it has, the held page
    is still served (its "as of" time shows it) and one background thread recomputes it;
    only a year never computed is computed in the request — once: a request arriving
    while the warm-up (or another request) computes the same page waits for it rather
    than computing it again beside it. So the staff's first page costs a cache lookup,
    not a pass over every record. With a :class:`PageStore` every computed page is also
    kept, and a year not held yet (after a restart, on a new day) is served from there
    at once, marked ``restored``, while one background thread computes it afresh.
    """

    def __init__(self, kept: PageStore | None = None) -> None:
        self._lock = threading.Lock()
        self._held: dict[tuple[int, date], tuple[tuple[Any, ...], Dashboard]] = {}
        self._refreshing: set[tuple[int, date]] = set()
        self._first: dict[tuple[int, date], threading.Lock] = {}  # held while a page is first computed
        self._warming = False
        self._kept = kept

    def get(self, engine: Engine, plan: Plan, sections: tuple[ReportSection, ...], year: int,
            today: date | None = None) -> Dashboard:
        day = today or datetime.now(UTC).date()
        key = (year, day)
        version = data_version(engine)
        with self._lock:
            found = self._held.get(key)
            if found is not None:
                if found[0] != version:
                    self._start_refresh(engine, plan, sections, key, version)
                return found[1]
            first = self._first.setdefault(key, threading.Lock())
        with first:
            with self._lock:
                found = self._held.get(key)
            if found is not None:  # computed (or restored) while this request waited
                return found[1]
            kept = self._kept.load(engine, plan, sections, year) if self._kept is not None else None
            if kept is not None:
                with self._lock:
                    self._held.setdefault(key, (KEPT, kept))
                    self._start_refresh(engine, plan, sections, key, version)
                return kept
            board = compute(engine, plan, sections, year, day)
            with self._lock:
                self._held.setdefault(key, (version, board))
            if self._kept is not None:
                self._kept.save(engine, plan, sections, board)
            return board

    def _start_refresh(self, engine: Engine, plan: Plan, sections: tuple[ReportSection, ...],
                       key: tuple[int, date], version: tuple[Any, ...]) -> None:
        """One background recomputation per page at a time (call holding ``_lock``)."""
        if key not in self._refreshing:
            self._refreshing.add(key)
            threading.Thread(target=self._refresh, args=(engine, plan, sections, key, version),
                             name="dashboard-refresh", daemon=True).start()

    def _refresh(self, engine: Engine, plan: Plan, sections: tuple[ReportSection, ...], key: tuple[int, date],
                 version: tuple[Any, ...]) -> None:
        try:
            board = compute(engine, plan, sections, key[0], key[1])
            with self._lock:
                self._held[key] = (version, board)
            if self._kept is not None:
                self._kept.save(engine, plan, sections, board)
        except Exception:  # the held page stays; the next request tries again
            import logging

            logging.getLogger(__name__).exception("dashboard refresh failed")
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def needs_warming(self) -> bool:
        """True the first time only (nothing held, no warm-up started)."""
        with self._lock:
            if self._held or self._warming:
                return False
            self._warming = True
            return True

    def warm(self, engine: Engine, plan: Plan, sections: tuple[ReportSection, ...], year: int) -> None:
        """Compute ``year``'s page now (from a background thread)."""
        try:
            self.get(engine, plan, sections, year)
        except Exception:
            import logging

            logging.getLogger(__name__).exception("dashboard warm-up failed")
