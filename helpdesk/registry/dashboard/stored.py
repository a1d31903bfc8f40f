"""The dashboard's last computed figures per year, kept in ``dashboard_pages``.

A restarted registry (or the first request of a new day) shows them at once, marked
with the time they were computed, while one thread computes the page afresh: at a
million records that is seconds, which the first request no longer waits for. Figures
computed for another plan or other report sections (the plan file was edited, a plugin
added) are not shown; nor are those of an older storage format.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, astuple, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Engine, delete, insert, select

from helpdesk.registry.dashboard.figures import (
    Dashboard,
    Expiry,
    KioskState,
    LevelTotal,
    MetricYear,
    UnitProgress,
)
from helpdesk.registry.db import now
from helpdesk.registry.schema import dashboard_pages

if TYPE_CHECKING:
    from helpdesk.reports.plan import Plan
    from helpdesk.workflow.types import ReportSection

FORMAT = 1  # raise when the stored shape changes: older rows are then ignored

log = logging.getLogger(__name__)


def plan_key(plan: Plan, sections: tuple[ReportSection, ...]) -> str:
    """Which plan and sections a page was computed for (the dataclasses' reprs hold every value)."""
    text = repr(plan) + "\n" + "\n".join(sorted(f"{s.plugin}:{s.id}" for s in sections))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def encode(board: Dashboard) -> bytes:
    return orjson.dumps({
        "format": FORMAT, "year": board.year, "today": board.today.isoformat(),
        "metrics": [[m.metric, m.label_vi, m.label_en, [[y, p, a] for y, (p, a) in m.by_year.items()]]
                    for m in board.metrics],
        "units": [astuple(u) for u in board.units], "levels": [astuple(v) for v in board.levels],
        "expiry": [astuple(e) for e in board.expiry], "kiosks": [asdict(k) for k in board.kiosks],
        "activity": board.activity, "notes": list(board.notes), "seconds": board.seconds,
        "computed_at": board.computed_at, "budget": board.budget,
    })


def decode(raw: str | bytes, plan: Plan) -> Dashboard | None:
    """The stored page over ``plan`` (None for another format)."""
    doc: dict[str, Any] = orjson.loads(raw)
    if doc.get("format") != FORMAT:
        return None
    return Dashboard(
        plan, int(doc["year"]), date.fromisoformat(doc["today"]),
        tuple(MetricYear(m, vi, en, {int(y): (p, a) for y, p, a in years}) for m, vi, en, years in doc["metrics"]),
        tuple(UnitProgress(*u) for u in doc["units"]), tuple(LevelTotal(*v) for v in doc["levels"]),
        tuple(Expiry(*e) for e in doc["expiry"]), tuple(KioskState(**k) for k in doc["kiosks"]),
        dict(doc["activity"]), tuple(doc["notes"]), float(doc["seconds"]), str(doc["computed_at"]),
        dict(doc["budget"]))


class KeptPages:
    """The :class:`~helpdesk.registry.dashboard.figures.PageStore` over ``dashboard_pages``."""

    def load(self, engine: Engine, plan: Plan, sections: tuple[ReportSection, ...], year: int) -> Dashboard | None:
        return load(engine, plan, plan_key(plan, sections), year)

    def save(self, engine: Engine, plan: Plan, sections: tuple[ReportSection, ...], board: Dashboard) -> None:
        save(engine, board, plan_key(plan, sections))


def save(engine: Engine, board: Dashboard, key: str) -> None:
    """Keep ``board`` as its year's last page (a failure is logged: the page is still served)."""
    try:
        figures = encode(board).decode("utf-8")
        with engine.begin() as conn:
            conn.execute(delete(dashboard_pages).where(dashboard_pages.c.year == board.year))
            conn.execute(insert(dashboard_pages).values(year=board.year, plan_key=key, computed_at=now(),
                                                        figures=figures))
    except Exception:
        log.exception("could not keep the dashboard's figures for %s", board.year)


def load(engine: Engine, plan: Plan, key: str, year: int) -> Dashboard | None:
    """``year``'s last kept page if it was computed for this plan and sections, marked restored."""
    try:
        with engine.connect() as conn:
            row = conn.execute(select(dashboard_pages.c.plan_key, dashboard_pages.c.figures)
                               .where(dashboard_pages.c.year == year)).first()
        board = decode(row.figures, plan) if row is not None and row.plan_key == key else None
    except Exception:  # unreadable: computed afresh as if never kept
        log.exception("could not read the dashboard's kept figures for %s", year)
        return None
    return replace(board, restored=True) if board is not None else None
