"""Handovers as the desk looks them up (today's, by name / ID number / serial, by unit and dates), and reprints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from helpdesk.extension import NotFound, Printed, Record, Store, WorkflowContext, fold
from helpdesk_handover.checks import RECORD_TYPE
from helpdesk_handover.columns import ColumnError
from helpdesk_handover.record import PAPER, HandoverError, batch_of, print_paper


@dataclass(frozen=True)
class Entry:
    record: Record
    voided_by: str | None  # id of the void record, if cancelled

    @property
    def payload(self) -> dict[str, object]:
        return dict(self.record.payload)

    @property
    def local_time(self) -> datetime:
        return datetime.fromisoformat(self.record.time.replace("Z", "+00:00")).astimezone()

    @property
    def from_paper(self) -> bool:
        """Transcribed from a paper record (``helpdesk handover import-paper``)."""
        return self.record.payload.get("source") == PAPER

    @property
    def when(self) -> str:
        """When it was handed over, as listed: the paper's day (no time), else the commit's local time."""
        if self.from_paper:
            return date.fromisoformat(self.record.payload["date"]).strftime("%d/%m/%Y")
        return self.local_time.strftime("%d/%m/%Y %H:%M")


def parse_day(value: str | None) -> date | None:
    """A day typed by the operator: DD/MM/YYYY or YYYY-MM-DD (None when empty)."""
    if not value:
        return None
    try:
        if "/" in value:
            d, m, y = (int(p) for p in value.split("/"))
            return date(y, m, d)
        return date.fromisoformat(value)
    except ValueError:
        raise ColumnError("{value!r} is not a date (DD/MM/YYYY or YYYY-MM-DD)", value=value) from None


def _matches(record: Record, query: str) -> bool:
    p = record.payload
    holder, device, cert = p["holder"], p["device"], p["certificate"]
    q = query.strip()
    compact = q.replace(" ", "")
    if compact and compact in (holder.get("national_id"), device.get("serial"), cert.get("serial"),
                               p.get("number"), record.id):
        return True
    words = fold(q).split()
    name = fold(f"{holder.get('name', '')} {p['recipient'].get('name', '')}").split()
    return bool(words) and all(any(n.startswith(w) for n in name) for w in words)


def handovers(store: Store, *, since: date | None = None, until: date | None = None, unit: str | None = None,
              text: str | None = None, include_voided: bool = True) -> list[Entry]:
    """Handover records, newest first. ``unit`` matches the unit's name or id
    (diacritics and case ignored); ``text`` a holder/proxy name, ID number, serial or number."""
    out: list[Entry] = []
    unit_key = fold(unit) if unit else None
    for record in store.records(type=RECORD_TYPE, since=since):
        day = date.fromisoformat(record.payload["date"])
        if (since and day < since) or (until and day > until):
            continue
        if unit_key is not None:
            h = record.payload["holder"]
            if unit_key not in (fold(h.get("unit", "")), fold(h.get("unit_id", ""))) and \
                    unit_key not in fold(h.get("unit", "")):
                continue
        if text and not _matches(record, text):
            continue
        voided = store.voided_by(record.id)
        if voided and not include_voided:
            continue
        out.append(Entry(record, voided))
    out.reverse()
    return out


def find_record(store: Store, record_id: str) -> Record:
    """The handover record ``record_id`` (NotFound: no such record, or not a handover)."""
    record = store.get(record_id)
    if record is None or record.type != RECORD_TYPE:
        raise NotFound("No handover record with id {id}", id=record_id)
    return record


def reprint(ctx: WorkflowContext, record_id: str, *, copies: int | None = None, printer: str | None = None,
            wait: float = 0.0) -> Printed:
    """Print the paper of a record (its whole batch) again, from the same archived PDF.

    A handover transcribed from paper has no kiosk paper: refused (the original is on file)."""
    record = find_record(ctx.store, record_id)
    if record.payload.get("source") == PAPER:
        raise HandoverError("Handover {number} was transcribed from a paper record: there is no kiosk paper "
                            "to print again (the original paper is on file)", number=record.payload["number"])
    return print_paper(ctx, batch_of(ctx.store, record), copies=copies, printer=printer, wait=wait)


def today(store: Store) -> list[Entry]:
    day = date.today()
    return handovers(store, since=day, until=day)
