"""The ``handover`` record: its payload, its validator, the commit, the paper.

One record per token handed over. A batch (several tokens handed to a unit's
representative on one paper) is one commit of several records sharing a number and a
``batch`` id, so each token's history still shows its own handover.

Numbering: "Số: N/BB-<org code>", N counting from 1 each calendar year, from the core's
gap-free counter (``ctx.next_number``): the number moves in the same commit as the
records, so a refused save or a crash uses no number, and a voided record keeps its
number. A store with handovers numbered before that counter existed continues above them. The paper comes after the commit: rendered through the form registry, archived
and printed by ``ctx.print`` (a printer problem never loses the record or the PDF).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from helpdesk.extension import (
    CertInfo,
    HelpdeskError,
    Number,
    Printed,
    Record,
    Settings,
    Store,
    Subject,
    Subscriber,
    TokenInfo,
    Unit,
    WorkflowContext,
)
from helpdesk_handover.checks import RECORD_TYPE, Assessment, active_handover

KIND = "BB"  # biên bản
_NUMBER = re.compile(r"^(\d+)/BB-\S.*$")
_HEX = re.compile(r"^[0-9A-F]+$")


class HandoverError(HelpdeskError):
    title = "Handover"


class AlreadyHandedOver(HandoverError):
    title = "Already handed over"


@dataclass(frozen=True)
class Giver:
    """Bên giao: the operator at the desk and the department they act for."""

    operator_id: str
    name: str
    position: str
    department: str

    @classmethod
    def from_settings(cls, settings: Settings, operator_id: str, name: str) -> Giver:
        extra = settings.extra.get("handover", {}) if isinstance(settings.extra.get("handover"), dict) else {}
        return cls(operator_id, name, str(extra.get("giver_position", "Chuyên viên")),
                   str(extra.get("giver_department", settings.organisation.name)))


@dataclass(frozen=True)
class Recipient:
    """Who physically received the token: the holder, or a proxy with an authorisation."""

    kind: str = "holder"  # "holder" | "proxy"
    name: str = ""
    national_id: str = ""
    position: str = ""
    unit: str = ""
    phone: str = ""
    authorisation: str = ""  # e.g. "Giấy ủy quyền số 12/GUQ ngày 20/11/2026"

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "national_id": self.national_id, "position": self.position,
                "unit": self.unit, "phone": self.phone, "authorisation": self.authorisation}


@dataclass(frozen=True)
class Override:
    by: str  # admin operator id
    reason: str


@dataclass(frozen=True)
class Draft:
    """One token about to be handed over, checked and confirmed at the desk."""

    holder: Subscriber
    unit: Unit | None
    token: TokenInfo
    certificate: CertInfo
    identity: str  # "typed" (ID number typed and equal) | "checked" (papers checked by eye)
    recipient: Recipient = field(default_factory=Recipient)
    failed_checks: tuple[str, ...] = ()
    override: Override | None = None

    @classmethod
    def from_assessment(cls, assessment: Assessment, identity: str, recipient: Recipient | None = None,
                        override: Override | None = None) -> Draft:
        if assessment.holder is None or assessment.certificate is None:
            raise HandoverError("No holder or certificate to hand over")
        return cls(assessment.holder, assessment.unit, assessment.token, assessment.certificate, identity,
                   recipient or Recipient(), tuple(c.id for c in assessment.failures), override)


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_payload(draft: Draft, giver: Giver, *, number: str, year: int, seq: int, day: date,
                  batch: Mapping[str, Any] | None = None) -> dict[str, Any]:
    h, cert, token = draft.holder, draft.certificate, draft.token
    return {
        "number": number, "year": year, "seq": seq, "date": day.isoformat(),
        "batch": dict(batch) if batch else None,
        "giver": {"operator_id": giver.operator_id, "name": giver.name, "position": giver.position,
                  "department": giver.department},
        "holder": {"subscriber_id": h.id, "name": h.full_name, "position": h.position or "",
                   "unit_id": h.unit_id or "", "unit": draft.unit.name if draft.unit else "",
                   "national_id": h.national_id or "", "email": h.email or "", "cert_kind": h.cert_kind},
        "recipient": draft.recipient.to_dict(),
        "identity": draft.identity,
        "device": {"serial": token.serial, "label": token.label, "manufacturer": token.manufacturer,
                   "model": token.model},
        "certificate": {"serial": cert.serial, "subject": cert.subject.text, "common_name": cert.subject.common_name,
                        "issuer": cert.issuer.text, "not_before": _iso(cert.not_before),
                        "not_after": _iso(cert.not_after), "fingerprint_sha256": cert.fingerprint_sha256},
        "failed_checks": list(draft.failed_checks),
        "override": {"by": draft.override.by, "reason": draft.override.reason} if draft.override else None,
    }


def _national(value: object) -> bool:
    return isinstance(value, str) and value.isdigit() and value.isascii() and len(value) in (9, 12)


PAPER = "paper"  # payload "source" of a handover transcribed from a paper record (helpdesk_handover.paper)
_PAPER_NUMBER = re.compile(r"^(\d+)\s*/\s*\S.*$")


def paper_payload(*, number: str, day: date, holder: Mapping[str, str], device_serial: str, cert_serial: str,
                  transcribed_by: str, source_file: str, row: int,
                  batch: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The payload of a handover written on paper before the kiosk (2017–2020), transcribed.

    The paper's number is kept as written (history, not the counter's); what the desk
    checks live (the token, its certificate, the recipient's identity) is not known: those
    fields stay empty, ``identity`` is ``"paper"``, and ``source`` says so.
    """
    match = _PAPER_NUMBER.match(number)
    return {
        "source": PAPER, "number": number, "year": day.year, "seq": int(match.group(1)) if match else 0,
        "date": day.isoformat(), "batch": dict(batch) if batch else None,
        "giver": {"operator_id": "", "name": "", "position": "", "department": ""},
        "holder": dict(holder), "recipient": {"kind": "holder"}, "identity": PAPER,
        "device": {"serial": device_serial, "label": "", "manufacturer": "", "model": ""},
        "certificate": {"serial": cert_serial, "subject": "", "common_name": "", "issuer": "", "not_before": "",
                        "not_after": "", "fingerprint_sha256": ""},
        "failed_checks": [], "override": None,
        "paper": {"transcribed_by": transcribed_by, "file": source_file, "row": row},
    }


def _validate_paper(p: Mapping[str, Any]) -> list[str]:
    """A transcribed paper handover: the number as written, the day, the holder, who transcribed
    it; no live checks (no certificate fingerprint, no device details, no identity check)."""
    problems: list[str] = []
    number = p.get("number")
    match = _PAPER_NUMBER.match(number) if isinstance(number, str) else None
    if match is None:
        problems.append(f"paper number {number!r} is not a record number")
    elif int(match.group(1)) != p.get("seq"):
        problems.append(f"number {number!r} does not match seq {p.get('seq')!r}")
    problems.extend(_day_problems(p))
    paper, holder = p.get("paper"), p.get("holder")
    if not (isinstance(paper, Mapping) and str(paper.get("transcribed_by") or "").strip()):
        problems.append("paper.transcribed_by is required")
    if not (isinstance(holder, Mapping) and str(holder.get("subscriber_id") or "").strip()
            and str(holder.get("name") or "").strip()):
        problems.append("holder.subscriber_id and holder.name are required")
    elif not _national(holder.get("national_id")):
        problems.append("holder.national_id must be 12 or 9 digits")
    if p.get("identity") != PAPER:
        problems.append("identity of a paper handover must be 'paper'")
    for name in ("device", "certificate", "recipient", "giver"):
        if not isinstance(p.get(name), Mapping):
            problems.append(f"{name} is required")
    serial = (p.get("certificate") or {}).get("serial") if isinstance(p.get("certificate"), Mapping) else None
    if serial and not _HEX.match(str(serial)):
        problems.append("certificate.serial must be upper-case hex")
    if p.get("failed_checks") or p.get("override"):
        problems.append("a paper handover has no failed checks or override")
    problems.extend(_batch_problems(p.get("batch")))
    return problems


def _day_problems(p: Mapping[str, Any]) -> list[str]:
    """The record's ``date`` is an ISO day of its ``year``."""
    try:
        day = date.fromisoformat(str(p.get("date")))
    except ValueError:
        return ["date must be an ISO date"]
    return [] if day.year == p.get("year") else ["date and year disagree"]


def _batch_problems(batch: object) -> list[str]:
    """A batch (several tokens on one paper) names its id, this record's place and the size."""
    if batch is None:
        return []
    if not (isinstance(batch, Mapping) and batch.get("id") and isinstance(batch.get("size"), int)
            and isinstance(batch.get("index"), int) and 1 <= batch["index"] <= batch["size"]):
        return ["batch needs an id, an index and a size"]
    return []


def validate_payload(p: Mapping[str, Any]) -> list[str]:
    """Problems with a handover payload (English; the store refuses the commit on any)."""
    source = p.get("source")
    if source == PAPER:
        return _validate_paper(p)
    problems: list[str] = []
    if source is not None:
        problems.append(f"unknown source {source!r} (a live handover has none; transcribed: 'paper')")

    def text(block: Mapping[str, Any] | None, key: str, where: str) -> str:
        value = (block or {}).get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}.{key} is required")
            return ""
        return value

    for name in ("giver", "holder", "recipient", "device", "certificate"):
        if not isinstance(p.get(name), Mapping):
            problems.append(f"{name} is required")
    if problems:
        return problems
    number = text(p, "number", "payload")
    match = _NUMBER.match(number)
    if number and (match is None or int(match.group(1)) != p.get("seq")):
        problems.append(f"number {number!r} does not match seq {p.get('seq')!r}")
    if not isinstance(p.get("seq"), int) or p["seq"] < 1:
        problems.append("seq must be a positive integer")
    problems.extend(_day_problems(p))
    text(p["giver"], "operator_id", "giver")
    text(p["giver"], "name", "giver")
    text(p["holder"], "subscriber_id", "holder")
    text(p["holder"], "name", "holder")
    if not _national(p["holder"].get("national_id")):
        problems.append("holder.national_id must be 12 or 9 digits")
    text(p["device"], "serial", "device")
    serial = text(p["certificate"], "serial", "certificate")
    if serial and not _HEX.match(serial):
        problems.append("certificate.serial must be upper-case hex")
    if p.get("identity") not in ("typed", "checked"):
        problems.append("identity must be 'typed' or 'checked'")
    recipient = p["recipient"]
    if recipient.get("kind") not in ("holder", "proxy"):
        problems.append("recipient.kind must be 'holder' or 'proxy'")
    elif recipient["kind"] == "proxy":
        text(recipient, "name", "recipient")
        text(recipient, "authorisation", "recipient")
        if not _national(recipient.get("national_id")):
            problems.append("recipient.national_id must be 12 or 9 digits")
    failed = p.get("failed_checks") or []
    override = p.get("override")
    if failed and not (isinstance(override, Mapping) and str(override.get("by", "")).strip()
                       and str(override.get("reason", "")).strip()):
        problems.append("failed checks need an override by an admin with a reason")
    problems.extend(_batch_problems(p.get("batch")))
    return problems


# -- saving and printing --------------------------------------------------------------------

FORM = "handover"  # the registered form (helpdesk_handover.form.build_form)
ARCHIVE_KIND = "handover"
BATCH_KIND = "handover-batch"


def commit_handovers(ctx: WorkflowContext, drafts: Sequence[Draft], giver: Giver,
                     now: datetime | None = None) -> list[Record]:
    """Save the handover of one token (or a batch) with the next number; all or nothing.

    Every plugin's validate hook runs (``RecordRefused``); inside the numbering block,
    with the store locked, it re-checks that no token was handed over meanwhile.
    """
    if not drafts:
        raise HandoverError("Nothing to hand over")
    serials = [d.token.serial for d in drafts]
    if len(set(serials)) != len(serials):
        raise HandoverError("The same token appears twice in this batch")
    day = (now or datetime.now()).astimezone().date()
    with ctx.next_number(KIND, day.year) as n:
        if n.seq == 1 and (floor := last_numbered(ctx.store, day.year)):  # numbers given before the counter
            with ctx.next_number(KIND, day.year, floor=floor) as n:
                return _commit(ctx, drafts, giver, n, day)
        return _commit(ctx, drafts, giver, n, day)


def _commit(ctx: WorkflowContext, drafts: Sequence[Draft], giver: Giver, n: Number, day: date) -> list[Record]:
    """Inside the numbering block (the store is locked): check again, then one commit."""
    for draft in drafts:
        previous = active_handover(ctx.store, draft.token.serial)
        if previous is not None:
            raise AlreadyHandedOver("Token {serial} was already handed over (record {number})",
                                    serial=draft.token.serial, number=previous.payload.get("number", ""))
    number = ctx.number_text(n)
    batch_id = str(uuid.uuid4()) if len(drafts) > 1 else None
    items = []
    for i, draft in enumerate(drafts, 1):
        batch = {"id": batch_id, "index": i, "size": len(drafts)} if batch_id else None
        payload = build_payload(draft, giver, number=number, year=n.year, seq=n.seq, day=day, batch=batch)
        items.append((RECORD_TYPE, Subject(draft.holder.id, draft.token.serial, draft.certificate.serial), payload))
    return ctx.commit_many(items, number=n)


def last_numbered(store: Store, year: int) -> int:
    """The highest handover number of ``year`` already on record (0: none). Asked only while
    the shared counter is fresh, so numbers given before it existed are never given again."""
    # Records are filed by UTC month: start a day early so 1 January local time is in.
    seqs = [r.payload.get("seq") for r in store.records(type=RECORD_TYPE, since=f"{year - 1}-12-31")
            if r.payload.get("year") == year]
    return max((s for s in seqs if isinstance(s, int)), default=0)


def print_paper(ctx: WorkflowContext, records: Sequence[Record], *, copies: int | None = None,
                printer: str | None = None, wait: float = 0.0, on_state: Callable[[str], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> Printed:
    """Render the paper of ``records`` (one handover or a batch), archive it, print it.

    Archived under the record's local month; rendering is reproducible, so a reprint
    finds the same archived file and prints it again.
    """
    batch = len(records) > 1
    kind, key = (BATCH_KIND, str(records[0].payload["batch"]["id"])) if batch else (ARCHIVE_KIND, records[0].id)
    when = datetime.fromisoformat(records[0].time.replace("Z", "+00:00")).astimezone()
    pdf = ctx.forms.render(FORM, list(records))
    return ctx.print(pdf, copies, kind=kind, key=key, title=f"Biên bản bàn giao {records[0].payload['number']}",
                     when=when, wait=wait, printer=printer, on_state=on_state, cancelled=cancelled)


def batch_of(store: Store, record: Record) -> list[Record]:
    """All records printed on the same paper as ``record`` (itself alone if not a batch)."""
    batch = record.payload.get("batch")
    if not batch:
        return [record]
    found = [r for r in store.records(type=RECORD_TYPE, since=record.time[:10])
             if (r.payload.get("batch") or {}).get("id") == batch["id"]]
    return sorted(found, key=lambda r: r.payload["batch"]["index"])
