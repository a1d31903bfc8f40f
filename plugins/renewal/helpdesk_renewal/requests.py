"""Requests per subscriber, kept in the plugin table ``renewal.requests``.

Each change is one audited table write (synced to the registry); a request carries its
own history of status changes (who, when, note). Duplicate open requests are refused
under the store lock, so two desks cannot file the same request twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from helpdesk.extension import get_language, nfc
from helpdesk_renewal.model import (
    KINDS,
    REASONS_FOR_TYPE,
    STATUSES,
    TABLE,
    TRANSITIONS,
    TYPES,
    DuplicateRequest,
    OpenRequests,
    RenewalError,
    clean_serial,
    form_problems,
    is_open,
    label,
    localized,
    validate_row,
)

if TYPE_CHECKING:
    from helpdesk.extension import Table, WorkflowContext

#: a person's form (Mẫu 01), an organisation's (Mẫu 02: name, address, tax and budget relation
#: codes, province, e-mail), a device's (name, managing ``unit``, e-mail), and the certificate
FORM_FIELDS = ("name", "position", "unit", "unit_id", "national_id", "email", "phone", "date_of_birth",
               "address", "tax_code", "budget_code", "province",
               "subscriber_id", "token_serial", "cert_serial", "new_info")


def table(ctx: WorkflowContext) -> Table:
    return ctx.table(TABLE, synced=True, validate=validate_row)


def _now(ctx: WorkflowContext) -> str:
    return ctx.now().isoformat(timespec="seconds")


def _step(ctx: WorkflowContext, status: str, note: str = "") -> dict[str, str]:
    return {"status": status, "time": _now(ctx), "operator": ctx.operator.id, "note": nfc(note)}


def from_subscriber(ctx: WorkflowContext, subscriber_id: str) -> dict[str, Any]:
    """The form's data from a roster entry (``helpdesk roster import``)."""
    sub = ctx.store.subscribers.get(subscriber_id)
    if sub is None:
        raise RenewalError("No subscriber with id {id}", id=subscriber_id)
    unit = ctx.store.units.get(sub.unit_id) if sub.unit_id else None
    return {"subscriber_id": sub.id, "name": sub.full_name, "position": sub.position or "",
            "unit_id": sub.unit_id or "", "unit": unit.name if unit else (sub.unit_id or ""),
            "national_id": sub.national_id or "", "email": sub.email or "", "phone": sub.phone or "",
            "date_of_birth": sub.date_of_birth or "", "token_serial": sub.token_serial or "",
            "cert_serial": sub.cert_serial or ""}


def build(ctx: WorkflowContext, type_: str, kind: str, data: Mapping[str, Any], reason: str = "",
          note: str = "") -> dict[str, Any]:
    """A new draft request row (not saved); :class:`RenewalError` lists what is wrong."""
    if type_ not in TYPES:
        raise RenewalError("Unknown request type {type}: use one of {types}", type=type_, types=", ".join(TYPES))
    if kind not in KINDS:
        raise RenewalError("Unknown certificate kind {kind}: use one of {kinds}", kind=kind, kinds=", ".join(KINDS))
    if reason not in REASONS_FOR_TYPE[type_]:
        raise RenewalError("Reason {reason} does not fit a {type} request: use one of {reasons}", reason=reason or "-",
                           type=type_, reasons=", ".join(r or "-" for r in REASONS_FOR_TYPE[type_]))
    form = {key: nfc(str(data.get(key) or "").strip()) for key in FORM_FIELDS}
    for key in ("national_id", "tax_code", "budget_code"):
        form[key] = form[key].replace(" ", "")
    form["cert_serial"] = clean_serial(form["cert_serial"])
    if kind == "organisation":
        # the organisation is its own unit in the per-unit lists, in the department's province
        form["unit"] = form["unit"] or form["name"]
        form["province"] = form["province"] or nfc(ctx.settings.organisation.place)
    problems = form_problems(form, kind)
    if problems:
        raise RenewalError("The request form is not valid: {problems}", problems=localized(problems))
    now = _now(ctx)
    return {"id": uuid.uuid4().hex[:10].upper(), "type": type_, "kind": kind, "reason": reason, **form,
            "status": "draft", "created": now, "updated": now, "list_number": "", "key_id": "",
            "new_cert_serial": "", "new_not_after": "", "history": [_step(ctx, "draft", note)]}


def add(ctx: WorkflowContext, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Save new requests in one commit, refusing any duplicate of an open request."""
    book = table(ctx)
    with ctx.store.locked():
        known = OpenRequests(book.all())
        for row in rows:
            found = known.duplicate_of(row)
            known.add(row)
            if found is not None:
                raise DuplicateRequest(
                    "{name} already has an open {type} request ({id}, {status}): refused",
                    name=row["name"], type=label(TYPES, row["type"], get_language()), id=found["id"],
                    status=label(STATUSES, found["status"], get_language()))
        saved = book.put_many({row["id"]: row for row in rows}, ctx.operator.id)
    return [saved[row["id"]] for row in rows]


def get(ctx: WorkflowContext, request_id: str) -> dict[str, Any]:
    row = table(ctx).get(request_id.strip().upper())
    if row is None:
        raise RenewalError("No request {id}", id=request_id)
    return row


def find(ctx: WorkflowContext, *, type_: str | None = None, status: str | None = None, unit: str | None = None,
         open_only: bool = False) -> list[dict[str, Any]]:
    def keep(row: Mapping[str, Any]) -> bool:
        if type_ and row.get("type") != type_:
            return False
        if status and row.get("status") != status:
            return False
        if unit and unit not in (row.get("unit_id"), row.get("unit")):
            return False
        return not open_only or is_open(row)

    return table(ctx).find(keep)


def changed(ctx: WorkflowContext, row: Mapping[str, Any], status: str, note: str = "",
            **fields: Any) -> dict[str, Any]:
    """``row`` moved to ``status`` (checked), with ``fields`` set; not saved."""
    if status not in STATUSES:
        raise RenewalError("Unknown status {status}", status=status)
    current = str(row["status"])
    if status not in TRANSITIONS[current]:
        raise RenewalError("Request {id} is {current}: it cannot become {status}", id=row["id"], current=current,
                           status=status)
    return {**row, **fields, "status": status, "updated": _now(ctx),
            "history": [*row["history"], _step(ctx, status, note)]}


def set_status(ctx: WorkflowContext, request_id: str, status: str, note: str = "", **fields: Any) -> dict[str, Any]:
    """Move one request on (one audited write)."""
    book = table(ctx)
    with ctx.store.locked():
        row = changed(ctx, get(ctx, request_id), status, note, **fields)
        return book.put(row["id"], row, ctx.operator.id)


def save_many(ctx: WorkflowContext, rows: Sequence[dict[str, Any]]) -> None:
    """Several changed rows in one audited commit (all or none)."""
    if rows:
        table(ctx).put_many({row["id"]: row for row in rows}, ctx.operator.id)


def sync_handovers(ctx: WorkflowContext) -> int:
    """Installed requests whose certificate a handover record now names become handed over."""
    book = table(ctx)
    with ctx.store.locked():
        waiting = {str(r["new_cert_serial"]): r for r in book.find(status="installed") if r.get("new_cert_serial")}
        if not waiting:
            return 0
        moved = []
        for record in ctx.store.records("handover", include_voided=False):
            cert = record.payload.get("certificate") or {}
            row = waiting.pop(clean_serial(cert.get("serial")), None)
            if row is not None:
                moved.append(changed(ctx, row, "handed_over", str(record.payload.get("number") or "")))
        if not ctx.store.read_only:
            save_many(ctx, moved)
        return len(moved)
