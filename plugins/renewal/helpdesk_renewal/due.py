"""The expiry sweep: every certificate the desk knows of that expires within N days.

Known certificates come from handover records (``ctx.store.records("handover")``, kept
in an index table read incrementally), installed requests (the renewal table) and the
authority's delivery lists. A holder
whose newer certificate is known is not due: per holder only the latest certificate
counts, and a revoked one is left out. Dates compare as ISO strings, so 100k
certificates take a fraction of a second.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from helpdesk_renewal.model import DELIVERIES, clean_serial

if TYPE_CHECKING:
    from helpdesk.extension import Record, Store, WorkflowContext

DEFAULT_DAYS = 60
HANDOVER = "handover"
KNOWN = "renewal.known"
WATERMARK = "~since"


#: a known certificate as stored: cert_serial, not_after (ISO, UTC), name, national_id, unit_id,
#: unit, token_serial, source
Row = Mapping[str, Any]
_FIELDS = ("cert_serial", "not_after", "name", "national_id", "unit_id", "unit", "token_serial", "source")


@dataclass(frozen=True, slots=True)
class KnownCert:
    cert_serial: str
    not_after: str  # ISO, UTC ("2027-01-31T00:00:00Z"); compared as a string
    name: str
    national_id: str = ""
    unit_id: str = ""
    unit: str = ""
    token_serial: str = ""
    source: str = ""  # "handover" | "request" | "delivery" | "token"

    @classmethod
    def of(cls, row: Row) -> KnownCert:
        return cls(*(str(row.get(name) or "") for name in _FIELDS))

    def to_row(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Due:
    cert: KnownCert
    days_left: int  # negative: expired that many days ago

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self.cert), "days_left": self.days_left, "expired": self.expired}


def _handover_row(record: Record) -> dict[str, str] | None:
    p = record.payload
    cert, holder, device = p.get("certificate") or {}, p.get("holder") or {}, p.get("device") or {}
    if not (cert.get("serial") and cert.get("not_after")):
        return None
    return {"cert_serial": clean_serial(cert["serial"]), "not_after": str(cert["not_after"]),
            "name": str(holder.get("name") or ""), "national_id": str(holder.get("national_id") or ""),
            "unit_id": str(holder.get("unit_id") or ""), "unit": str(holder.get("unit") or ""),
            "token_serial": str(device.get("serial") or ""), "time": record.time, "source": "handover"}


class _Arrivals:
    """Handover records this process saved since the index last caught up (store listener)."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.caught_up = False
        self.lock = threading.Lock()

    def saw(self, record: Record) -> None:
        if record.type == HANDOVER:
            with self.lock:
                self.records.append(record)


_arrivals: weakref.WeakKeyDictionary[Store, _Arrivals] = weakref.WeakKeyDictionary()
_arrivals_lock = threading.Lock()


def _arrivals_for(store: Store) -> _Arrivals:
    with _arrivals_lock:
        found = _arrivals.get(store)
        if found is None:
            found = _arrivals[store] = _Arrivals()
            store.add_listener(found.saw)
        return found


def handover_index(ctx: WorkflowContext) -> list[tuple[str, dict[str, Any]]]:
    """Certificates named by handover records, as ``(record id, row)``.

    Kept in the plugin table ``renewal.known`` (one row per handover record, audited). A
    process catches up once with the records saved since the last sweep
    (``records(since=…)`` skips older months); after that a store listener hands it the
    new ones, so a sweep in the kiosk reads no records at all. Voided handovers are
    dropped at read time (``store.voided_by``).
    """
    index = ctx.table(KNOWN)
    arrivals = _arrivals_for(ctx.store)
    with arrivals.lock:
        pending, arrivals.records = arrivals.records, []
        caught_up = arrivals.caught_up
    meta = index.get(WATERMARK) or {}
    since = str(meta.get("since") or "") or None
    if not caught_up:
        pending = [*ctx.store.records(HANDOVER, since=since), *pending]
    fresh: dict[str, dict[str, Any]] = {}
    latest = since or ""
    for record in pending:
        latest = max(latest, record.time)
        if record.id in fresh or record.id in index:
            continue
        row = _handover_row(record)
        if row is not None:
            fresh[record.id] = row
    rows = index.items()
    if fresh and ctx.store.read_only:  # the kiosk holds the store: use them, store them next time
        rows += list(fresh.items())
    elif fresh:
        fresh[WATERMARK] = {"since": latest}
        index.put_many(fresh, ctx.operator.id)
        rows = index.items()
        arrivals.caught_up = True
    else:
        arrivals.caught_up = True
    return [(key, row) for key, row in rows if key != WATERMARK and not ctx.store.voided_by(key)]


def from_requests(rows: Iterable[Row]) -> Iterator[Row]:
    """Certificates the authority issued for requests (and installed ones)."""
    for row in rows:
        if row.get("new_cert_serial") and row.get("new_not_after") and row.get("status") in ("installed", "handed_over",
                                                                                            "issued"):
            yield {"cert_serial": row["new_cert_serial"], "not_after": row["new_not_after"], "name": row["name"],
                   "national_id": row.get("national_id") or "", "unit_id": row.get("unit_id") or "",
                   "unit": row.get("unit") or "", "token_serial": row.get("token_serial") or "", "source": "request"}


def revoked(rows: Iterable[Row]) -> set[str]:
    """Certificate serials whose revocation the authority confirmed."""
    return {str(r["cert_serial"]) for r in rows if r.get("type") == "revoke" and r.get("status") == "issued"
            and r.get("cert_serial")}


def known(ctx: WorkflowContext) -> tuple[list[Row], set[str]]:
    """Every known certificate as a row (cert_serial, not_after, name, national_id, unit_id,
    unit, token_serial, source), and the revoked serials."""
    from helpdesk_renewal import requests

    rows = requests.table(ctx).all()
    found: list[Row] = [row for _id, row in handover_index(ctx)]
    found += ctx.table(DELIVERIES).all()
    found += from_requests(rows)
    return found, revoked(rows)


def sweep(certs: Iterable[Row | KnownCert], today: date, days: int = DEFAULT_DAYS, unit: str | None = None,
          revoked: set[str] | frozenset[str] = frozenset()) -> list[Due]:
    """Latest certificate per holder, due within ``days`` of ``today`` (or expired), by unit.

    Works on the rows as stored (no object per certificate): 100k rows take a few
    tens of milliseconds; only the due ones become :class:`KnownCert`."""
    latest: dict[str, Row] = {}
    get = latest.get
    for cert in certs:
        row: Row = cert.to_row() if isinstance(cert, KnownCert) else cert
        if revoked and row["cert_serial"] in revoked:
            continue
        key = row.get("national_id") or f"{row.get('name')}|{row.get('unit_id') or row.get('unit')}"
        seen = get(key)
        if seen is None or row["not_after"] > seen["not_after"]:
            latest[key] = row
    cutoff = (today + timedelta(days=days)).isoformat()
    out = []
    for row in latest.values():
        if row["not_after"][:10] > cutoff:
            continue
        if unit and unit not in (row.get("unit_id"), row.get("unit")):
            continue
        cert = KnownCert.of(row)
        out.append(Due(cert, (date.fromisoformat(cert.not_after[:10]) - today).days))
    out.sort(key=lambda d: (d.cert.unit or d.cert.unit_id, d.cert.not_after, d.cert.name))
    return out


def due(ctx: WorkflowContext, days: int = DEFAULT_DAYS, unit: str | None = None,
        today: date | None = None) -> list[Due]:
    certs, gone = known(ctx)
    return sweep(certs, today or ctx.now().date(), days, unit, gone)


DUE_COLUMNS = ("STT", "Đơn vị", "Họ và tên", "Số định danh cá nhân", "Số hiệu thiết bị", "Số hiệu chứng thư",
               "Hết hạn", "Còn (ngày)")


def due_xlsx(found: Iterable[Due]) -> bytes:
    """The sweep as a spreadsheet, one row per certificate."""
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sắp hết hạn")
    sheet.append(list(DUE_COLUMNS))
    for i, d in enumerate(found, 1):
        c = d.cert
        sheet.append([i, c.unit or c.unit_id, c.name, c.national_id, c.token_serial, c.cert_serial,
                      c.not_after[:10], d.days_left])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
