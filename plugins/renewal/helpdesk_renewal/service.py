"""A CSR for a request: whose subject, which token, and the request updated afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from helpdesk.extension import delete_key_pair
from helpdesk_renewal import requests
from helpdesk_renewal.csr import TOKEN_WAIT, MadeRequest, make_csr, subject_from_request
from helpdesk_renewal.model import RenewalError

if TYPE_CHECKING:
    from helpdesk.extension import Secret, TokenInfo, WorkflowContext

SUBJECT_PARTS = ("C", "ST", "L", "O", "OU", "T", "CN", "E", "UID")


def request_for_token(ctx: WorkflowContext, serial: str) -> dict[str, Any] | None:
    """The open new / renew / re-issue request naming this token, if exactly one."""
    found = [r for r in requests.find(ctx, open_only=True) if r.get("token_serial") == serial
             and r["type"] != "revoke" and r["status"] in ("draft", "submitted")]
    return found[0] if len(found) == 1 else None


def subject_for(ctx: WorkflowContext, serial: str, row: Mapping[str, Any] | None) -> dict[str, str]:
    if row is not None:
        return subject_from_request(row, ctx.settings.organisation.place)
    token = ctx.worker.identify(serial).result(timeout=TOKEN_WAIT)
    certs = [c for c in token.certificates if not c.error and c.subject.common_name]
    if not certs:
        raise RenewalError("Token {serial} has no certificate and no request names it: file a request first "
                           "(helpdesk renewal request add … --token {serial})", serial=serial)
    latest = max(certs, key=lambda c: c.not_after)
    return {part: latest.subject.get(part) for part in SUBJECT_PARTS if latest.subject.get(part)}


def make_request_csr(ctx: WorkflowContext, serial: str, pin: Secret, *, request_id: str | None = None,
                     bits: int = 2048) -> tuple[MadeRequest, dict[str, Any] | None]:
    """Key pair + CSR on the token; the request (given or found by token) remembers the key."""
    row = requests.get(ctx, request_id) if request_id else request_for_token(ctx, serial)
    made = make_csr(ctx, serial, pin, subject_for(ctx, serial, row), bits=bits)
    if row is None:
        return made, None
    try:
        saved = requests.table(ctx).update(row["id"], {"key_id": made.key_id, "token_serial": serial,
                                                       "csr_sha256": made.sha256}, ctx.operator.id)
    except Exception:
        # the request could not remember the key: take the key pair off again
        ctx.worker.run_in_session(serial, partial(delete_key_pair, key_id=made.key_id), pin=pin,
                                  rw=True).result(timeout=TOKEN_WAIT)
        raise
    return made, saved


def holder_of(ctx: WorkflowContext, token: TokenInfo) -> dict[str, Any]:
    """The request form for the holder of ``token``: the roster entry with its serial, else
    what its newest certificate says (name, agency, title, e-mail, citizen ID)."""
    sub = ctx.store.subscribers.by_token_serial(token.serial)
    if sub is not None:
        return requests.from_subscriber(ctx, sub.id)
    certs = [c for c in token.certificates if not c.error]
    if not certs:
        raise RenewalError("Token {serial} is not in the roster and holds no certificate: file the request with "
                           "the holder's papers", serial=token.serial)
    cert = max(certs, key=lambda c: c.not_after)
    uid = cert.subject.get("UID")
    return {"name": cert.subject.common_name, "unit": cert.subject.get("O") or cert.subject.get("OU"),
            "position": cert.subject.get("T"), "email": cert.subject.get("E"),
            "national_id": uid.split(":", 1)[-1] if uid else "", "cert_serial": cert.serial,
            "token_serial": token.serial}


def revoke_and_reissue(ctx: WorkflowContext, token: TokenInfo, kind: str = "person") -> list[dict[str, Any]]:
    """Revocation of the token's certificate and a re-issue for its holder, in one commit."""
    data = holder_of(ctx, token)
    data["token_serial"] = token.serial
    if not data.get("cert_serial"):
        certs = [c for c in token.certificates if not c.error]
        data["cert_serial"] = max(certs, key=lambda c: c.not_after).serial if certs else ""
    reason = "locked" if token.flags.so_pin_locked or token.flags.user_pin_locked else "compromised"
    rows = [requests.build(ctx, "revoke", kind, data, reason), requests.build(ctx, "reissue", kind, data, reason)]
    return requests.add(ctx, rows)
