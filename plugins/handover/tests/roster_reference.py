"""The roster checks as a plain row-by-row walk: the test oracle for the importer's one
(chunked, column-wise) path in :mod:`helpdesk_handover.roster`.

Written the obvious way on purpose — each row, each rule, in order — and kept only here,
in the tests: the importer must report what this walk reports, row for row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from helpdesk_handover.columns import REQUIRED, ColumnMap
from helpdesk_handover.roster import (
    _CONTROL,
    _DIGIT,
    _LEVEL_VALUES,
    _LEVELS,
    _PHONE_STRIP,
    _TOKEN,
    _WORDS,
    MAX_NAME,
    OPTIONAL,
    RowProblem,
    _cert,
)

from helpdesk.extension import Store, cert_kind_of, date_cell, fold
from helpdesk.extension import cell_text as _text

_HEX = re.compile(r"[0-9A-F]{1,64}")


def _birth(value: Any, today: date) -> tuple[str | None, str | None]:
    """(ISO date, problem code)."""
    if value is None or value == "":
        return None, None
    try:
        day = date_cell(value)
    except ValueError:
        return None, "dob_invalid"
    if not date(1900, 1, 1) <= day <= today.replace(year=today.year - 18):
        return day.isoformat(), "dob_range"
    return day.isoformat(), None


def _email(email: str) -> tuple[str, str | None]:
    """(the address as stored, problem code) of a non-empty e-mail cell."""
    local, at, domain = email.rpartition("@")
    domain = domain.lower()
    if not at or not local or "@" in local or " " in email or "." not in domain.strip("."):
        return email, "email_invalid"
    if not (domain == "gov.vn" or domain.endswith(".gov.vn")):
        return email, "email_not_official"
    return f"{local}@{domain}", None


def _phone(phone: str) -> tuple[str, str | None]:
    """(the number as stored, problem code) of a non-empty phone cell, separators removed."""
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    elif phone[0] != "0" and phone.isdigit() and len(phone) in (9, 10):
        phone = "0" + phone  # a number typed into Excel loses its leading zero
    if not (phone.isdigit() and phone.isascii() and phone[0] == "0" and 10 <= len(phone) <= 11):
        return phone, "phone_invalid"
    return phone, None


def _reference_national(value: Any) -> tuple[str, bool]:
    """(the ID number's digits, whether a number cell lost its leading zero)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            return _text(value), False
        digits = str(int(value))
        return digits, len(digits) in (8, 11)
    return _text(value).replace(" ", "").replace(".", ""), False


class ReferenceChecker:
    def __init__(self, columns: ColumnMap, width: int, store: Store | None, today: date) -> None:
        col = columns.columns
        self.c_name, self.c_id, self.c_unit = (col[f] for f in REQUIRED)
        self.optional = {f: col.get(f) for f in OPTIONAL}
        self.width = width
        self.today = today
        self.by_id: dict[str, int] = {}
        self.by_token: dict[str, int] = {}
        self.by_cert: dict[str, int] = {}
        self.subscribers = store.subscribers if store is not None else None
        self.good: list[dict[str, Any]] = []
        self.problems: list[RowProblem] = []
        self.total = 0

    def level(self, level_text: str) -> str | None:
        key = _WORDS.sub(" ", fold(level_text).replace("/", " ")).strip()
        key = re.sub(r"\s+", " ", key.replace(",", " "))
        return _LEVELS.get(key) or (key.replace(" ", "_") if key.replace(" ", "_") in _LEVEL_VALUES else None)

    def kind(self, kind_text: str) -> str | None:
        return cert_kind_of(kind_text)

    def row(self, n: int, cells: Sequence[Any]) -> None:
        optional, by_id, by_token, by_cert, subscribers = (self.optional, self.by_id, self.by_token, self.by_cert,
                                                           self.subscribers)

        def cell(cells: Sequence[Any], index: int | None) -> Any:
            return cells[index] if index is not None and index < len(cells) else None

        if not any(c not in (None, "") and (type(c) is not str or c.strip()) for c in cells):
            return  # blank line
        self.total += 1
        bad: list[RowProblem] = []
        if len(cells) > self.width and any(c not in (None, "") for c in cells[self.width:]):
            bad.append(RowProblem(n, "row_long"))
        if _CONTROL.search("\n".join([c for c in cells if type(c) is str])):  # LF is not in _CONTROL
            bad.append(RowProblem(n, "control_chars"))
        name = _text(cell(cells, self.c_name))
        if not name:
            bad.append(RowProblem(n, "empty_name"))
        elif _DIGIT.search(name):
            bad.append(RowProblem(n, "name_digits", {"value": name}))
        elif len(name) > MAX_NAME:
            bad.append(RowProblem(n, "name_too_long"))
        national, lost = _reference_national(cell(cells, self.c_id))
        if lost:
            bad.append(RowProblem(n, "id_lost_zero", {"value": national}))
        elif not national:
            bad.append(RowProblem(n, "id_missing"))
        elif not (national.isdigit() and national.isascii()):
            bad.append(RowProblem(n, "id_not_digits", {"value": national}))
        elif len(national) not in (9, 12):
            bad.append(RowProblem(n, "id_length", {"value": national}))
        elif national in by_id:
            bad.append(RowProblem(n, "id_dup", {"value": national, "other": by_id[national]}))
        else:
            by_id[national] = n
            if subscribers is not None and (owners := subscribers.by_national_id(national)):
                bad.append(RowProblem(n, "id_in_store", {"value": national, "other": owners[0].full_name}))
        unit = _text(cell(cells, self.c_unit))
        if not unit:
            bad.append(RowProblem(n, "unit_missing"))
        level_text = _text(cell(cells, optional["unit_level"]))
        level = None
        if level_text:
            level = self.level(level_text)
            if level is None:
                bad.append(RowProblem(n, "level_unknown", {"value": level_text}))
        token = _text(cell(cells, optional["token_serial"])) or None
        if token is not None:
            if not _TOKEN.fullmatch(token):
                bad.append(RowProblem(n, "token_bad", {"value": token}))
            elif token in by_token:
                bad.append(RowProblem(n, "token_dup", {"value": token, "other": by_token[token]}))
            else:
                by_token[token] = n
                if subscribers is not None and (owner := subscribers.by_token_serial(token)):
                    bad.append(RowProblem(n, "token_in_store", {"value": token, "other": owner.full_name}))
        cert = _cert(_text(cell(cells, optional["cert_serial"])))
        if cert is not None:
            if not _HEX.fullmatch(cert):
                bad.append(RowProblem(n, "cert_not_hex", {"value": cert}))
            elif cert in by_cert:
                bad.append(RowProblem(n, "cert_dup", {"value": cert, "other": by_cert[cert]}))
            else:
                by_cert[cert] = n
        email = _text(cell(cells, optional["email"])) or None
        if email is not None:
            email, code = _email(email)
            if code:
                bad.append(RowProblem(n, code, {"value": email}))
        phone = _text(cell(cells, optional["phone"])).translate(_PHONE_STRIP) or None
        if phone is not None:
            phone, code = _phone(phone)
            if code:
                bad.append(RowProblem(n, code, {"value": phone}))
        birth, birth_problem = _birth(cell(cells, optional["date_of_birth"]), self.today)
        if birth_problem:
            shown = birth or _text(cell(cells, optional["date_of_birth"]))
            bad.append(RowProblem(n, birth_problem, {"value": shown}))
        kind_text = _text(cell(cells, optional["cert_kind"]))
        kind: str | None = "ca_nhan"
        if kind_text:
            kind = self.kind(kind_text)
            if kind is None:
                bad.append(RowProblem(n, "kind_unknown", {"value": kind_text}))
        if bad:
            self.problems.extend(bad)
            return
        self.good.append({
            "row": n, "full_name": name, "national_id": national, "unit": unit, "unit_level": level,
            "position": _text(cell(cells, optional["position"])) or None, "date_of_birth": birth,
            "email": email, "phone": phone, "cert_kind": kind, "token_serial": token, "cert_serial": cert,
        })
