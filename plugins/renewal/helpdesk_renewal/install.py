"""Installing the issued certificate on the token, beside its key.

Order matters for "nothing changed" on any error: parse the file, pick the leaf whose
public key is on the token, refuse a certificate already there — all before the first
write. Then import with the key's CKA_ID, read the token back and check the certificate
is there with a matching key (else take it off again), and only then remove the
superseded certificate (``remove_old``), move the request to ``installed`` and let the
holder's roster entry name the new certificate (the handover checks compare them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timezone
from typing import TYPE_CHECKING, Any

from helpdesk.extension import list_keys, nfc
from helpdesk_renewal import requests
from helpdesk_renewal.certfile import common_name, der, leaves, load_certificates, serial_hex, spki
from helpdesk_renewal.csr import TOKEN_WAIT
from helpdesk_renewal.model import RenewalError, clean_serial

if TYPE_CHECKING:
    from cryptography import x509

    from helpdesk.extension import Secret, TokenInfo, WorkflowContext


@dataclass(frozen=True)
class Installed:
    serial: str  # token
    cert_serial: str
    key_id: str
    label: str
    not_after: str  # ISO date-time UTC
    removed: tuple[str, ...] = ()
    request_id: str = ""
    token: TokenInfo | None = field(default=None, repr=False)


def _wait(future: Any) -> Any:
    return future.result(timeout=TOKEN_WAIT)


def _iso(cert: x509.Certificate) -> str:
    return cert.not_valid_after_utc.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _request_for(ctx: WorkflowContext, serial: str, cert: x509.Certificate, request_id: str) -> Mapping[str, Any] | None:
    if request_id:
        return requests.get(ctx, request_id)
    for status in ("issued", "submitted"):
        found = [r for r in requests.find(ctx, status=status) if r.get("token_serial") == serial
                 or (r.get("new_cert_serial") and r.get("new_cert_serial") == serial_hex(cert))]
        if found:
            return found[0]
    return None


def _update_roster(ctx: WorkflowContext, serial: str, cert_serial: str, request: Mapping[str, Any] | None) -> None:
    """The holder's roster entry names the new certificate (and token), so the handover
    checks find what the token now holds."""
    sub = None
    if request is not None and request.get("subscriber_id"):
        sub = ctx.store.subscribers.get(str(request["subscriber_id"]))
    if sub is None:
        sub = ctx.store.subscribers.by_token_serial(serial)
    if sub is None and request is not None and request.get("national_id"):
        found = ctx.store.subscribers.by_national_id(str(request["national_id"]))
        sub = found[0] if len(found) == 1 else None
    if sub is not None and (sub.cert_serial != cert_serial or sub.token_serial != serial):
        ctx.store.subscribers.update(sub.id, {"cert_serial": cert_serial, "token_serial": serial}, ctx.operator.id)


def install(ctx: WorkflowContext, serial: str, pin: Secret, data: bytes, *, name: str = "",
            remove_old: bool = False, request_id: str = "") -> Installed:
    """Put the certificate in ``data`` on token ``serial`` (blocking: a thread job)."""
    certs = load_certificates(data, name)
    candidates = leaves(certs)
    if not candidates:
        raise RenewalError("{file} has no end-entity certificate (only CA certificates): nothing installed",
                           file=name or "?")
    keys = _wait(ctx.worker.run_in_session(serial, list_keys, pin=pin))
    by_spki = {key.public_key_der: key for key in keys}
    chosen = [(cert, by_spki[spki(cert)]) for cert in candidates if spki(cert) in by_spki]
    if not chosen:
        raise RenewalError("The certificate {cert} is for another key: no key on token {serial} matches it. "
                           "Nothing was installed.", cert=serial_hex(candidates[0]), serial=serial)
    cert, key = chosen[0]
    cert_serial = serial_hex(cert)
    before: TokenInfo = _wait(ctx.worker.identify(serial, pin))
    if any(c.serial == cert_serial for c in before.certificates):
        raise RenewalError("The certificate {cert} is already on token {serial}", cert=cert_serial, serial=serial)
    request = _request_for(ctx, serial, cert, request_id)
    label = nfc(f"{common_name(cert) or key.label} ({cert.not_valid_after_utc:%Y})")
    _wait(ctx.worker.import_certificate(serial, pin, der(cert), key_id=key.id, label=label))
    after: TokenInfo = _wait(ctx.worker.identify(serial, pin))
    placed = [c for c in after.certificates if c.serial == cert_serial]
    if not placed or placed[0].key_matches is False or placed[0].key_id.upper() != key.id.upper():
        _wait(ctx.worker.delete_certificate(serial, pin, cert_serial))
        raise RenewalError("The certificate {cert} did not verify against its key on the token: taken off again",
                           cert=cert_serial)
    removed: list[str] = []
    if remove_old:
        old = clean_serial((request or {}).get("cert_serial"))
        cn = common_name(cert)
        for other in after.certificates:
            if other.serial == cert_serial or other.error:
                continue
            superseded = other.serial == old or (cn and other.subject.common_name == cn
                                                 and other.not_after < placed[0].not_after)
            if superseded and _wait(ctx.worker.delete_certificate(serial, pin, other.serial)):
                removed.append(other.serial)
    request_id_done = ""
    if request is not None and request.get("status") in ("issued", "submitted"):
        row = dict(request)
        if row["status"] == "submitted":
            row = requests.changed(ctx, row, "issued", "")
        row = requests.changed(ctx, row, "installed", f"token {serial}", token_serial=serial,
                               new_cert_serial=cert_serial, new_not_after=_iso(cert), key_id=key.id)
        requests.save_many(ctx, [row])
        request_id_done = row["id"]
    _update_roster(ctx, serial, cert_serial, request)
    final: TokenInfo = _wait(ctx.worker.identify(serial, pin)) if removed else after
    return Installed(serial, cert_serial, key.id, label, _iso(cert), tuple(removed), request_id_done, final)
