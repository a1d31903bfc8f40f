"""Is this the right token for this holder? The checks shown before a handover.

:func:`assess` finds the expected holder (by token serial in the roster, else by the
certificate's subject: the ID number in its UID, then its common name) and runs every
check. A failed check blocks the handover unless an admin overrides it with a reason;
warnings are shown and never block. Names and units are compared with diacritics and
case ignored (``fold``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from helpdesk.extension import CertInfo, Record, Store, Subscriber, TokenInfo, Unit, fold, gettext

RECORD_TYPE = "handover"
_ID_IN_UID = re.compile(r"(?<!\d)(\d{12}|\d{9})(?!\d)")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Check:
    id: str
    ok: bool
    message: str  # English msgid with {params}; what failed, or what was confirmed
    params: Mapping[str, object] = field(default_factory=dict)
    blocking: bool = True  # False: a warning

    def localized(self) -> str:
        text = gettext(self.message)
        return text.format(**self.params) if self.params else text


@dataclass(frozen=True)
class Assessment:
    token: TokenInfo
    holder: Subscriber | None
    unit: Unit | None
    certificate: CertInfo | None
    found_by: str  # "token_serial" | "certificate" | ""
    checks: tuple[Check, ...]
    previous: Record | None = None  # an earlier, not voided handover of this token

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok and c.blocking]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if not c.ok and not c.blocking]

    @property
    def ok(self) -> bool:
        return self.holder is not None and not self.failures


def active_handover(store: Store, token_serial: str) -> Record | None:
    """The handover of this token that still stands (not voided), if any."""
    for record in reversed(store.history(token_serial=token_serial)):
        if record.type == RECORD_TYPE and store.voided_by(record.id) is None:
            return record
    return None


def _uid_number(cert: CertInfo) -> str | None:
    match = _ID_IN_UID.search(cert.subject.get("UID") or cert.subject.get("SERIALNUMBER") or "")
    return match.group(1) if match else None


def _unit_key(text: str) -> str:
    key = " " + _NON_WORD.sub(" ", fold(text)).strip() + " "
    return key.replace(" uy ban nhan dan ", " ubnd ").strip()


def units_match(roster_unit: str, cert: CertInfo) -> bool:
    """The roster's unit appears in the certificate's O or OU (or the other way round)."""
    want = _unit_key(roster_unit)
    names = [_unit_key(n) for n in (cert.subject.get("O"), cert.subject.get("OU")) if n]
    return not names or any(want in n or n in want for n in names if n)


def find_holder(store: Store, token: TokenInfo) -> tuple[Subscriber | None, str]:
    holder = store.subscribers.by_token_serial(token.serial)
    if holder is not None:
        return holder, "token_serial"
    for cert in token.certificates:
        if cert.error:
            continue
        number = _uid_number(cert)
        if number:
            found = store.subscribers.by_national_id(number)
            if len(found) == 1:
                return found[0], "certificate"
        name = fold(cert.subject.common_name)
        if name:
            same = [s for s in store.subscribers.search(cert.subject.common_name, 50) if fold(s.full_name) == name]
            if len(same) == 1:
                return same[0], "certificate"
    return None, ""


def pick_certificate(token: TokenInfo, holder: Subscriber | None) -> CertInfo | None:
    """The certificate the handover is about: the roster's, else one with its key, else any."""
    readable = [c for c in token.certificates if not c.error]
    if holder is not None and holder.cert_serial:
        for cert in readable:
            if cert.serial == holder.cert_serial:
                return cert
    if holder is not None:
        for cert in readable:
            if fold(cert.subject.common_name) == fold(holder.full_name):
                return cert
    with_key = [c for c in readable if c.key_matches]
    ranked = with_key or readable
    return ranked[0] if ranked else None


def assess(store: Store, token: TokenInfo, holder: Subscriber | None = None,
           now: datetime | None = None) -> Assessment:
    """Every check for handing ``token`` over; ``holder`` overrides the roster lookup."""
    now = now or datetime.now(timezone.utc)
    found_by = "chosen" if holder is not None else ""
    if holder is None:
        holder, found_by = find_holder(store, token)
    unit = store.units.get(holder.unit_id) if holder is not None and holder.unit_id else None
    cert = pick_certificate(token, holder)
    previous = active_handover(store, token.serial)
    checks: list[Check] = []
    add = checks.append

    if holder is None:
        add(Check("holder_found", False, "Token {serial} is not in the roster, and no roster row matches its certificate",
                  {"serial": token.serial}))
    else:
        add(Check("holder_found", True, "Holder {name} found by {how}",
                  {"name": holder.full_name, "how": gettext("token serial" if found_by == "token_serial" else
                                                            "certificate" if found_by == "certificate" else
                                                            "operator's choice")}))
        if holder.token_serial and holder.token_serial != token.serial:
            add(Check("roster_token", False, "The roster lists token {expected} for {name}, not {serial}",
                      {"expected": holder.token_serial, "name": holder.full_name, "serial": token.serial}))
    if cert is None:
        add(Check("certificate_present", False, "The token holds no readable certificate"))
    else:
        cn = cert.subject.common_name
        if holder is not None:
            name_ok = fold(cn) == fold(holder.full_name)
            add(Check("certificate_name", name_ok,
                      "The certificate is issued to {cn}" if name_ok else
                      "The certificate is issued to {cn}, not to {name}", {"cn": cn, "name": holder.full_name}))
            number = _uid_number(cert)
            if number and holder.national_id and number != holder.national_id:
                add(Check("certificate_id", False,
                          "The certificate carries ID number {cert_id}, the roster {roster_id}",
                          {"cert_id": number, "roster_id": holder.national_id}))
            if unit is not None and not units_match(unit.name, cert):
                add(Check("certificate_unit", False,
                          "The certificate names the unit {cert_unit}, the roster {unit}",
                          {"cert_unit": cert.subject.get("O") or cert.subject.get("OU"), "unit": unit.name}))
            if holder.cert_serial and holder.cert_serial != cert.serial:
                add(Check("certificate_serial", False,
                          "The roster lists certificate {expected}, the token holds {serial}",
                          {"expected": holder.cert_serial, "serial": cert.serial}))
        if now < cert.not_before:
            add(Check("certificate_valid", False, "The certificate is not valid before {date}",
                      {"date": _local_day(cert.not_before)}))
        elif now > cert.not_after:
            add(Check("certificate_valid", False, "The certificate expired on {date}",
                      {"date": _local_day(cert.not_after)}))
        else:
            add(Check("certificate_valid", True, "The certificate is valid until {date}",
                      {"date": _local_day(cert.not_after)}))
        if cert.has_private_key is False:
            add(Check("key_matches", False, "The token holds no private key for this certificate"))
        elif cert.key_matches is False:
            add(Check("key_matches", False, "The key on the token does not match the certificate"))
        elif cert.key_matches is None:
            add(Check("key_matches", False, "No key for this certificate is visible on the token"))
        else:
            add(Check("key_matches", True, "The key on the token matches the certificate"))
    state = token.flags.user_pin_state
    if state == "locked":
        add(Check("pin_not_locked", False, "The token's PIN is locked; unlock it before handing it over"))
    elif state == "final_try":
        add(Check("pin_not_locked", False, "Only one PIN try is left on this token", blocking=False))
    else:
        add(Check("pin_not_locked", True, "The PIN is not locked"))
    if previous is not None:
        add(Check("not_handed_over", False, "This token was already handed over to {name} on {date} (record {number})",
                  {"name": previous.payload.get("holder", {}).get("name", ""),
                   "date": _local_day(previous.time), "number": previous.payload.get("number", "")}))
    else:
        add(Check("not_handed_over", True, "The token has not been handed over before"))
    return Assessment(token, holder, unit, cert, found_by, tuple(checks), previous)


def _local_day(value: datetime | str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone().strftime("%d/%m/%Y")
