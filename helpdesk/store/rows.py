"""Subscriber (thuê bao) and unit (đơn vị) rows: the dataclasses, codes and validation.

``clean_subscriber``/``clean_unit`` turn what a roster or a form gives into the row
as stored (NFC text, normalised phone, e-mail, dates and serials), or raise
``RowProblems`` naming every bad field. ``clean_subscriber`` is the hot path of a
100k-row import, hence its shape.
"""

from __future__ import annotations

import functools
import re
import time
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from helpdesk.store.search import fold


class CertKind(StrEnum):
    CA_NHAN = "ca_nhan"  # a person's certificate
    TO_CHUC = "to_chuc"  # an organisation's certificate
    THIET_BI = "thiet_bi"  # a device/server certificate


class UnitLevel(StrEnum):
    SO_BAN_NGANH = "so_ban_nganh"
    QUAN_HUYEN = "quan_huyen"
    XA_PHUONG_THI_TRAN = "xa_phuong_thi_tran"
    DON_VI_SU_NGHIEP = "don_vi_su_nghiep"
    HOI = "hoi"


CERT_KIND_LABELS = {CertKind.CA_NHAN: "Cá nhân", CertKind.TO_CHUC: "Tổ chức", CertKind.THIET_BI: "Thiết bị"}
UNIT_LEVEL_LABELS = {
    UnitLevel.SO_BAN_NGANH: "Sở, ban, ngành",
    UnitLevel.QUAN_HUYEN: "Quận, huyện",
    UnitLevel.XA_PHUONG_THI_TRAN: "Xã, phường, thị trấn",
    UnitLevel.DON_VI_SU_NGHIEP: "Đơn vị sự nghiệp",
    UnitLevel.HOI: "Hội",
}
# Spellings met in rosters, folded ("Sở/Ban/Ngành" -> "so_ban_nganh").
_LEVEL_ALIASES = {
    **{level.value: level for level in UnitLevel},
    "so": UnitLevel.SO_BAN_NGANH, "ban": UnitLevel.SO_BAN_NGANH, "nganh": UnitLevel.SO_BAN_NGANH,
    "quan": UnitLevel.QUAN_HUYEN, "huyen": UnitLevel.QUAN_HUYEN, "thi_xa": UnitLevel.QUAN_HUYEN,
    "thanh_pho": UnitLevel.QUAN_HUYEN,
    "xa": UnitLevel.XA_PHUONG_THI_TRAN, "phuong": UnitLevel.XA_PHUONG_THI_TRAN, "thi_tran": UnitLevel.XA_PHUONG_THI_TRAN,
    "dvsn": UnitLevel.DON_VI_SU_NGHIEP, "hoi_dac_thu": UnitLevel.HOI,
}
_KIND_ALIASES = {
    **{kind.value: kind for kind in CertKind},
    "to_chuc_co_quan": CertKind.TO_CHUC, "co_quan": CertKind.TO_CHUC, "thiet_bi_may_chu": CertKind.THIET_BI,
}
_NON_WORD = re.compile(r"[^a-z0-9]+")
_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_HEX = re.compile(r"^[0-9A-F]+$")


def _code(text: str) -> str:
    return _NON_WORD.sub("_", fold(text)).strip("_")


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: str
    full_name: str
    date_of_birth: str | None = None  # ISO date
    position: str | None = None  # chức vụ
    unit_id: str | None = None
    national_id: str | None = None  # CCCD (12 digits) or CMND (9 digits)
    email: str | None = None
    phone: str | None = None
    cert_kind: str = CertKind.CA_NHAN.value
    token_serial: str | None = None
    cert_serial: str | None = None  # hex, upper case

    def to_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in SUBSCRIBER_FIELDS}


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: str
    level: str
    parent_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "level": self.level, "parent_id": self.parent_id}

    @property
    def level_label(self) -> str:
        return UNIT_LEVEL_LABELS[UnitLevel(self.level)]


SUBSCRIBER_FIELDS = tuple(f.name for f in fields(Subscriber))
UNIT_FIELDS = tuple(f.name for f in fields(Unit))


class RowProblems(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems


_nfc = unicodedata.normalize


def _text(value: object, name: str, problems: list[str]) -> str | None:
    """NFC text with single spaces, None when empty."""
    if value is None:
        return None
    if type(value) is not str:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            value = str(value)
        else:
            problems.append(f"{name}: must be text")
            return None
    text = " ".join(value.split())
    if not text.isascii():
        text = _nfc("NFC", text)
    return text or None


@functools.lru_cache(maxsize=256)
def _kind(text: str) -> str | None:
    kind = _KIND_ALIASES.get(_code(text))
    return kind.value if kind else None


@functools.lru_cache(maxsize=256)
def _level(text: str) -> UnitLevel | None:
    return _LEVEL_ALIASES.get(_code(text))


def _date(value: object, problems: list[str]) -> str | None:
    if value is None or value == "":
        return None
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:  # the common case: already ISO
            iso = date.fromisoformat(value).isoformat()
        except ValueError:
            iso = ""
        if iso and _EARLIEST <= iso <= _today():
            return iso
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        iso = value.isoformat()
    elif isinstance(value, str):
        text = value.strip()
        try:
            if "/" in text:  # dd/mm/yyyy, as written on Vietnamese forms
                d, m, y = (int(p) for p in text.split("/"))
                iso = date(y, m, d).isoformat()
            else:
                iso = date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            problems.append(f"date_of_birth: {value!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")
            return None
    else:
        problems.append("date_of_birth: must be a date")
        return None
    if not _EARLIEST <= iso <= _today():
        problems.append(f"date_of_birth: {iso} is out of range")
        return None
    return iso


def _today(_cache: list[Any] = [0.0, ""]) -> str:  # noqa: B006 - a deliberate per-process cache
    now = time.monotonic()
    if now - _cache[0] > 60:
        _cache[0], _cache[1] = now, date.today().isoformat()
    return str(_cache[1])


_EARLIEST = "1900-01-01"
_SUBSCRIBER_KEYS = frozenset(SUBSCRIBER_FIELDS)
_PHONE_STRIP = str.maketrans("", "", " .-()")
_DEFAULT_KIND = CertKind.CA_NHAN.value


_TEXT_FIELDS = ("cert_kind", "cert_serial", "email", "full_name", "id", "national_id", "phone",
                "position", "token_serial", "unit_id")


def clean_subscriber(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A subscriber row as stored, or _Problems naming every bad field.

    The hot path of roster imports: text fields are tidied in one comprehension
    (plain str takes the fast branch), then each field gets its own check.
    """
    problems: list[str] = []
    if not _SUBSCRIBER_KEYS.issuperset(raw):
        unknown = [k for k in raw if k not in _SUBSCRIBER_KEYS]
        problems.append(f"unknown fields: {', '.join(map(str, unknown))}")
    get = raw.get
    kind_text, cert, email, name, sid, national, phone, position, token, unit = [
        (None if not (t := " ".join(v.split())) else t if t.isascii() else _nfc("NFC", t))
        if type(v) is str else None if v is None else _text(v, f, problems)
        for f in _TEXT_FIELDS
        for v in (get(f),)
    ]
    if sid is None:
        sid = str(uuid.uuid4())
    elif not _ID.match(sid):
        problems.append(f"id: {sid!r} may hold only letters, digits and . _ : -")
    if not name:
        problems.append("full_name: required")
    if national:
        if " " in national:
            national = national.replace(" ", "")
        if not (national.isdigit() and national.isascii() and len(national) in (9, 12)):
            problems.append(f"national_id: {national!r} must be 12 digits (CCCD) or 9 digits (CMND)")
    if email:
        local, _, domain = email.rpartition("@")
        if not local or "." not in domain.strip(".") or " " in email or "@" in local:
            problems.append(f"email: {email!r} is not an e-mail address")
        elif not domain.islower():
            email = f"{local}@{domain.lower()}"
    if phone:
        phone = phone.translate(_PHONE_STRIP)
        if phone.startswith("+84"):
            phone = "0" + phone[3:]
        if not (phone.isdigit() and phone.isascii() and phone[0] == "0" and 9 <= len(phone) <= 11):
            problems.append(f"phone: {phone!r} is not a Vietnamese phone number")
    kind = _kind(kind_text) if kind_text else _DEFAULT_KIND
    if kind is None:
        problems.append(f"cert_kind: {kind_text!r} is not one of cá nhân, tổ chức, thiết bị")
    if cert:
        cert = cert.replace(":", "").replace(" ", "").upper()
        if not _HEX.match(cert):
            problems.append(f"cert_serial: {cert!r} is not hexadecimal")
    dob = get("date_of_birth")
    if dob is not None:
        dob = _date(dob, problems)
    if problems:
        raise RowProblems(problems)
    return {  # keys in sorted order: plain JSON of a row is then canonical JSON
        "cert_kind": kind,
        "cert_serial": cert,
        "date_of_birth": dob,
        "email": email,
        "full_name": name,
        "id": sid,
        "national_id": national,
        "phone": phone,
        "position": position,
        "token_serial": token,
        "unit_id": unit,
    }


def clean_unit(raw: Mapping[str, Any]) -> dict[str, Any]:
    problems: list[str] = []
    unknown = [k for k in raw if k not in UNIT_FIELDS]
    if unknown:
        problems.append(f"unknown fields: {', '.join(map(str, unknown))}")
    uid = _text(raw.get("id"), "id", problems) or str(uuid.uuid4())
    if not _ID.match(uid):
        problems.append(f"id: {uid!r} may hold only letters, digits and . _ : -")
    name = _text(raw.get("name"), "name", problems)
    if not name:
        problems.append("name: required")
    level_text = _text(raw.get("level"), "level", problems)
    level = _level(level_text) if level_text else None
    if level is None:
        problems.append(
            f"level: {level_text!r} is not one of sở/ban/ngành, quận/huyện, xã/phường/thị trấn, đơn vị sự nghiệp, hội"
        )
    row = {"id": uid, "level": level.value if level else None, "name": name,  # sorted keys
           "parent_id": _text(raw.get("parent_id"), "parent_id", problems)}
    if problems:
        raise RowProblems(problems)
    return row
