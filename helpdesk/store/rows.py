"""Subscriber (thuê bao) and unit (đơn vị) rows: the dataclasses, codes and validation.

``clean_subscriber``/``clean_unit`` turn what a roster or a form gives into the row
as stored (NFC text, normalised phone, e-mail, dates and serials), or raise
``RowProblems`` naming every bad field. There is one path for the subscriber checks,
:func:`_clean`, a column at a time: a 100k-row import and a single form row go through
the same code (``clean_subscriber`` is it on one row).
"""

from __future__ import annotations

import functools
import operator
import os
import re
import time
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from itertools import chain, compress
from typing import Any

from helpdesk.cells import cell_text
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
    "canhan": CertKind.CA_NHAN, "tochuc": CertKind.TO_CHUC, "may_chu": CertKind.THIET_BI,
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


def cert_kind_of(text: str) -> str | None:
    """The certificate kind (``"ca_nhan"``, ``"to_chuc"``, ``"thiet_bi"``) a text names, as
    rosters write it ("Cá nhân", "tổ chức", "Thiết bị máy chủ" …); None if it names none."""
    return _kind(text)


@functools.lru_cache(maxsize=256)
def _level(text: str) -> UnitLevel | None:
    return _LEVEL_ALIASES.get(_code(text))


def _date(value: object, problems: list[str], codes: list[str] | None = None) -> str | None:
    """The day as stored (ISO), or None with its problem worded (and its code, "format" or
    "range", in ``codes``)."""
    codes = [] if codes is None else codes
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
            codes.append("format")
            return None
    else:
        problems.append("date_of_birth: must be a date")
        codes.append("format")
        return None
    if not _EARLIEST <= iso <= _today():
        problems.append(f"date_of_birth: {iso} is out of range")
        codes.append("range")
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
    """A subscriber row as stored, or RowProblems naming every bad field.

    The very checks of :func:`check_subscriber_columns` (there is one path), on one row."""
    problems: list[str] = []
    if not _SUBSCRIBER_KEYS.issuperset(raw):
        unknown = [k for k in raw if k not in _SUBSCRIBER_KEYS]
        problems.append(f"unknown fields: {', '.join(map(str, unknown))}")
    checked = _check({name: [value] for name, value in raw.items() if name in _SUBSCRIBER_KEYS}, 1)
    problems.extend(p.text for p in checked.problems.get(0, ()))
    if problems:
        raise RowProblems(problems)
    return checked.rows()[0]


# -- one value at a time: each rule once (the column-wise path below calls these for
# every value that does not already have the shape the rule keeps as it is) ------------

def _national(national: str, problems: list[str]) -> str:
    if " " in national:
        national = national.replace(" ", "")
    if not (national.isdigit() and national.isascii() and len(national) in (9, 12)):
        problems.append(f"national_id: {national!r} must be 12 digits (CCCD) or 9 digits (CMND)")
    return national


def _email(email: str, problems: list[str]) -> str:
    local, _, domain = email.rpartition("@")
    if not local or "." not in domain.strip(".") or " " in email or "@" in local:
        problems.append(f"email: {email!r} is not an e-mail address")
    elif not domain.islower():
        email = f"{local}@{domain.lower()}"
    return email


def _phone(phone: str, problems: list[str]) -> str:
    phone = phone.translate(_PHONE_STRIP)
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    if not (phone.isdigit() and phone.isascii() and phone[:1] == "0" and 9 <= len(phone) <= 11):
        problems.append(f"phone: {phone!r} is not a Vietnamese phone number")
    return phone


def _cert(cert: str, problems: list[str]) -> str:
    cert = cert.replace(":", "").replace(" ", "").upper()
    if not _HEX.match(cert):
        problems.append(f"cert_serial: {cert!r} is not hexadecimal")
    return cert


def _id(sid: str, problems: list[str]) -> str:
    if not _ID.match(sid):
        problems.append(f"id: {sid!r} may hold only letters, digits and . _ : -")
    return sid


# -- many rows at once ---------------------------------------------------------------
#
# A roster import cleans 100k rows. Column by column, with C-level joins and one regular
# expression per column, a clean roster costs a fraction of a row-by-row walk. A value
# without the shape its rule keeps as it is goes through the rule itself (``_national``,
# ``_email`` …, above), which rewrites it or words its problem: one rule, one place.

# White space str.split() knows, but for " " and "\n" (tests/store/test_store_bulk_speedpaths.py checks the list).
_ODD_SPACE = re.compile("[\t\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_NONE_OR_STR = frozenset({type(None), str})
_DATE_TYPES = frozenset({type(None), str, date, datetime})
_NONE_OR_DATE = frozenset({type(None), date})
_DATE_ONLY = frozenset({date})


class ColumnShape:
    """A shape every value of a column must have to be accepted as is (``pattern``).

    Checked for the whole column at once where the shape allows — every character in
    ``chars`` and every length in ``lengths`` (and the first character ``first``) imply
    the pattern; or, ``by_line``, one match of the values joined by newlines (for a pattern
    that never matches a newline and never backtracks far) — else with the pattern mapped
    over the values in C; value by value only when some value lacks it."""

    def __init__(self, pattern: str, chars: str | None = None, lengths: Iterable[int] | None = None,
                 first: str | None = None, *, by_line: bool = False) -> None:
        self.value = re.compile(pattern)
        self.lines = re.compile(f"(?:(?:{pattern})\n)*(?:{pattern})") if by_line else None
        self.chars = re.compile(f"[{chars}]*") if chars else None
        self.lengths = None if lengths is None else frozenset(lengths)  # None: any but 0
        self.first = first

    def fits(self, present: list[str]) -> bool:
        if self.lines is not None:
            joined = "\n".join(present)
            return joined.count("\n") == len(present) - 1 and self.lines.fullmatch(joined) is not None
        if self.chars is None:
            return all(map(self.value.fullmatch, present))
        return (self.chars.fullmatch("".join(present)) is not None
                and ("" not in present if self.lengths is None else set(map(len, present)) <= self.lengths)
                and (self.first is None or set(map(operator.itemgetter(0), present)) == {self.first}))

    def failing(self, values: list[str | None]) -> list[int]:
        present: list[str] = [v for v in values if v is not None] if None in values else values  # type: ignore[assignment]
        if not present or self.fits(present):
            return []
        return [i for i, v in enumerate(values) if v is not None and not self.value.fullmatch(v)]

    def as_is(self, values: Sequence[Any]) -> bool:
        """True when ``values`` (text or None) all fit already, in NFC: no shape allows
        white space, so tidying would leave them as they are — and need not look."""
        if not set(map(type, values)) <= _NONE_OR_STR:
            return False
        present: list[str] = [v for v in values if v is not None] if None in values else values  # type: ignore[assignment]
        if not present or not self.fits(present):
            return False
        if self.chars is not None:  # characters of an ASCII class only: NFC as they are
            return True
        joined = "\n".join(present)
        return joined.isascii() or unicodedata.is_normalized("NFC", joined)


_Shape = ColumnShape  # the roster importer (handover plugin) checks its columns the same way


_ID_OK = _Shape(_ID.pattern[1:-1], "A-Za-z0-9._:-", range(1, 65))
_NATIONAL_OK = _Shape(r"[0-9]{9}|[0-9]{12}", "0-9", (9, 12))
# A valid e-mail whose domain is already in lower case. clean_subscriber asks for a "."
# inside domain.strip("."); spelt so the engine never backtracks far.
_EMAIL_OK = _Shape(r"[^@\s]+@\.*[a-z0-9-]+\.[a-z0-9.-]*[a-z0-9-]\.*")
_PHONE_OK = _Shape(r"0[0-9]{8,10}", "0-9", (9, 10, 11), "0")
_HEX_OK = _Shape(r"[0-9A-F]+", "0-9A-F")
_VERSION_4 = bytes(b & 0x0F | 0x40 for b in range(256))  # byte 6 of a UUID: version 4 in the high nibble
_RFC_4122 = bytes(b & 0x3F | 0x80 for b in range(256))  # byte 8: the RFC 4122 variant (10xx)
_HEX_AT = [i for i in range(36) if i not in (8, 13, 18, 23)]  # where the 32 hex digits go in "8-4-4-4-12"
# field -> the shape its rule keeps as it is (checked a column at a time)
_SHAPED: dict[str, ColumnShape] = {"id": _ID_OK, "national_id": _NATIONAL_OK, "email": _EMAIL_OK, "phone": _PHONE_OK,
                                   "cert_serial": _HEX_OK}


def _tidy(values: Sequence[Any]) -> tuple[list[str | None], list[int]]:
    """What clean_subscriber makes of one text field in every row (None when empty), and
    the rows it must see itself (values that are neither text nor None). A column of few
    distinct values (positions, units) is worked out on those."""
    types = set(map(type, values))
    if types <= _NONE_OR_STR and len(values) > 256 and len(set(values[:256])) < 64:  # few distinct, it seems
        distinct = dict.fromkeys(values)
        if len(distinct) * 4 < len(values):
            tidy_of = dict(zip(distinct, _tidy(list(distinct))[0], strict=True))
            return list(map(tidy_of.__getitem__, values)), []
    if not types <= _NONE_OR_STR:
        odd = [i for i, v in enumerate(values) if v is not None and type(v) is not str]
        return _tidy([v if type(v) is str else None for v in values])[0], odd
    texts: Sequence[str] = [v or "" for v in values] if type(None) in types else values
    joined = "\n".join(texts)
    flat = joined.replace("\n", " ")  # no "  " in it (the usual case): no value has two spaces together or at an end
    if (joined.count("\n") != len(texts) - 1
            or ("  " in flat and ("  " in joined or "\n " in joined or " \n" in joined))
            or joined[:1] == " " or joined[-1:] == " "
            or (not flat.isprintable() and _ODD_SPACE.search(joined))):  # split() would change it
        texts = [" ".join(t.split()) for t in texts]
        joined = "\n".join(texts)
    if not joined.isascii() and not unicodedata.is_normalized("NFC", joined):
        texts = [t if t.isascii() else _nfc("NFC", t) for t in texts]
    return [t or None for t in texts] if "" in texts else list(texts), []


def tidy_texts(values: Sequence[Any]) -> list[str]:
    """``[cell_text(v) for v in values]`` (:func:`helpdesk.cells.cell_text`: one line of NFC
    text, "" for an empty cell) for a whole column, by the store's own tidy rule."""
    texts, others = _tidy(values)
    if others:
        for i in others:
            texts[i] = cell_text(values[i])
    return [t or "" for t in texts] if None in texts else texts  # type: ignore[return-value]  # no None left


def _columns(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> list[list[Any]]:
    """``[[row.get(name) for row in rows] for name in names]``, a column at a time in C
    when every row has the same keys (a roster's rows do)."""
    keys = tuple(rows[0])
    if set(map(len, rows)) == {len(keys)}:
        try:  # every row has all the first row's keys, and no more: the same keys
            by_key = {key: list(map(operator.itemgetter(key), rows)) for key in keys}
        except KeyError:
            pass
        else:
            return [by_key[name] if name in by_key else [None] * len(rows) for name in names]
    return [[row.get(name) for row in rows] for name in names]


def new_ids(count: int) -> list[str]:
    """``count`` fresh random UUIDs (version 4) as text, like ``str(uuid.uuid4())``: one call
    to the system's random source, and the text laid out by strided slices (in C) rather
    than one formatted string per id."""
    if not count:
        return []
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = raw[6::16].translate(_VERSION_4)
    raw[8::16] = raw[8::16].translate(_RFC_4122)
    digits = raw.hex().encode()
    text = bytearray(b"-" * (37 * count))  # 36 characters and a newline per id
    for k, at in enumerate(_HEX_AT):
        text[at::37] = digits[k::32]
    text[36::37] = b"\n" * count
    return text[:-1].decode().split("\n")


def clean_subscribers(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any] | None]:
    """For each row, the row as :func:`clean_subscriber` stores it — or None where a value
    needed its rule (rewritten, or a problem; clean_subscriber on that row gives which)."""
    if not rows:
        return []
    names = (*_TEXT_FIELDS, "date_of_birth")
    ready = clean_subscriber_columns(dict(zip(names, _columns(rows, names), strict=True)), len(rows))
    if not all(map(_SUBSCRIBER_KEYS.issuperset, rows)):  # unknown fields: clean_subscriber words them
        for i, row in enumerate(rows):
            if not _SUBSCRIBER_KEYS.issuperset(row):
                ready[i] = None
    return ready


def clean_subscriber_columns(columns: Mapping[str, Sequence[Any]], count: int) -> list[dict[str, Any] | None]:
    """:func:`clean_subscribers` for rows given a column per field (row ``i`` holds
    ``columns[field][i]``; a field without a column is absent from every row)."""
    if not count:
        return []
    if not _SUBSCRIBER_KEYS.issuperset(columns):  # every row has unknown fields
        return [None] * count
    checked = _check(columns, count)
    rows: list[dict[str, Any] | None] = checked.rows()  # type: ignore[assignment]  # None set below
    for i in (*checked.problems, *checked.odd):
        rows[i] = None
    return rows


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """What the store's rules found wrong with one field of one row."""

    field: str  # a subscriber field, "" for the row (unknown fields)
    code: str  # "required", "format" (the rule refused the value), "range" (a day out of range), "unknown"
    text: str  # in English, as :func:`clean_subscriber` words it


_SEAL = object()  # only this module makes CheckedSubscribers: what it holds passed the checks
_CHECKED_FIELDS = tuple(sorted(SUBSCRIBER_FIELDS))  # the columns, in the stored rows' key order


class CheckedSubscribers:
    """Subscriber rows as the store's rules made them, a column per field (tuples): the
    result of :func:`check_subscriber_columns`, and the only input of
    ``store.subscribers.add_checked``, which stores the rows without checking them again.

    ``problems`` maps a row index to what is wrong with it; :meth:`select` keeps rows
    (never one with a problem) and :meth:`join` puts checked parts together — a
    roster is checked a chunk at a time. Nothing else makes one: the store trusts it
    because only its own checks can."""

    __slots__ = ("_columns", "count", "odd", "problems")

    def __init__(self, columns: dict[str, tuple[Any, ...]], count: int, problems: dict[int, list[FieldProblem]],
                 odd: set[int], seal: object) -> None:
        if seal is not _SEAL:
            raise TypeError("CheckedSubscribers are made by check_subscriber_columns only")
        self._columns = columns
        self.count = count
        self.problems = problems
        self.odd = odd  # rows some value of which its rule rewrote (not just the shape check)

    def column(self, field: str) -> tuple[Any, ...]:
        """The field's values as they would be stored, row by row (None where a row's value
        was refused: see ``problems``)."""
        return self._columns[field]

    def select(self, keep: Sequence[bool]) -> CheckedSubscribers:
        """The rows ``i`` with ``keep[i]``; ValueError if one of them has a problem."""
        if len(keep) != self.count:
            raise ValueError(f"select: {len(keep)} flags for {self.count} rows")
        if any(keep[i] for i in self.problems):
            raise ValueError("select: a row with problems cannot be kept")
        if all(keep):
            return CheckedSubscribers(self._columns, self.count, {}, set(), _SEAL)
        columns = {name: tuple(compress(values, keep)) for name, values in self._columns.items()}
        return CheckedSubscribers(columns, sum(map(bool, keep)), {}, set(), _SEAL)

    @staticmethod
    def join(parts: Sequence[CheckedSubscribers]) -> CheckedSubscribers:
        """The rows of ``parts``, one after the other (their problems too, renumbered)."""
        columns = {name: tuple(chain.from_iterable(p._columns[name] for p in parts)) for name in _CHECKED_FIELDS}
        problems: dict[int, list[FieldProblem]] = {}
        odd: set[int] = set()
        at = 0
        for part in parts:
            problems.update((at + i, found) for i, found in part.problems.items())
            odd.update(at + i for i in part.odd)
            at += part.count
        return CheckedSubscribers(columns, at, problems, odd, _SEAL)

    def rows(self, unit_ids: Sequence[str | None] | None = None) -> list[dict[str, Any]]:
        """Each row as stored (a problem row with None where its value was refused);
        ``unit_ids`` in place of the unit_id column."""
        units = self._columns["unit_id"] if unit_ids is None else unit_ids
        return [
            {  # keys in sorted order: plain JSON of a row is then canonical JSON
                "cert_kind": kind, "cert_serial": cert, "date_of_birth": dob, "email": email, "full_name": name,
                "id": sid, "national_id": national, "phone": phone, "position": position, "token_serial": token,
                "unit_id": unit,
            }
            for kind, cert, dob, email, name, sid, national, phone, position, token, unit in zip(
                *(self._columns[f] for f in _CHECKED_FIELDS[:-1]), units, strict=True)
        ]


def check_subscriber_columns(columns: Mapping[str, Sequence[Any]], count: int) -> CheckedSubscribers:
    """The store's checks of subscriber rows given a column per field (row ``i`` holds
    ``columns[field][i]``; a field without a column is empty in every row; an id is made
    for a row without one): each value tidied and checked once, the result sealed for
    ``store.subscribers.add_checked``. A field the store does not know is a problem of
    every row."""
    unknown = [name for name in columns if name not in _SUBSCRIBER_KEYS]
    checked = _check({k: v for k, v in columns.items() if k in _SUBSCRIBER_KEYS} if unknown else columns, count)
    if unknown:
        found = FieldProblem("", "unknown", f"unknown fields: {', '.join(map(str, unknown))}")
        for i in range(count):
            checked.problems[i] = [found, *checked.problems.get(i, ())]
    return checked


def _check(columns: Mapping[str, Sequence[Any]], count: int) -> CheckedSubscribers:
    """The one path of the subscriber checks.

    A column is accepted as a whole when every value has the shape its rule keeps as it
    is (C-level joins and one regular expression); any other value goes through the
    field's rule (``_national``, ``_email``, …), which words what is wrong."""
    problems: dict[int, list[FieldProblem]] = {}
    odd: set[int] = set()

    def problem(i: int, field: str, code: str, text: str) -> None:
        problems.setdefault(i, []).append(FieldProblem(field, code, text))

    def rule(name: str, values: list[str | None], check: Any) -> None:
        for i in _SHAPED[name].failing(values):
            worded: list[str] = []
            values[i] = check(values[i], worded)
            odd.add(i)
            for text in worded:
                problem(i, name, "format", text)

    missing_column: list[Any] = [None] * count
    cleaned: dict[str, list[str | None]] = {}
    as_given: set[str] = set()
    for name in _TEXT_FIELDS:
        if name not in columns:  # empty in every row
            cleaned[name] = [None] * count
            continue
        values = columns[name]
        shape = _SHAPED.get(name)
        if shape is not None and shape.as_is(values):  # clean as given (a roster's columns): nothing to tidy
            cleaned[name] = values  # type: ignore[assignment]  # read only from here on (no rule rewrites it)
            as_given.add(name)
            continue
        cleaned[name], others = _tidy(values)
        for i in others:  # neither text nor None: the one-value rule words it
            worded: list[str] = []
            cleaned[name][i] = _text(values[i], name, worded)
            odd.add(i)
            for text in worded:
                problem(i, name, "format", text)
    if "id" not in columns:  # all new, of the id shape
        cleaned["id"] = new_ids(count)  # type: ignore[assignment]
        as_given.add("id")
    ids = cleaned["id"]
    missing = [] if "id" not in columns else [i for i, sid in enumerate(ids) if sid is None]
    if missing:
        for i, sid in zip(missing, new_ids(len(missing)), strict=True):
            ids[i] = sid
    for field, check in (("id", _id), ("full_name", None), ("national_id", _national), ("email", _email),
                         ("phone", _phone)):
        if field == "full_name":
            if None in cleaned["full_name"]:
                for i, value in enumerate(cleaned["full_name"]):
                    if value is None:
                        problem(i, "full_name", "required", "full_name: required")
        elif field not in as_given:
            rule(field, cleaned[field], check)
    kind_of: dict[str | None, str | None] = {text: _kind(text) for text in set(cleaned["cert_kind"]) if text is not None}
    unknown_kind = None in kind_of.values()
    kind_of[None] = _DEFAULT_KIND
    kinds = list(map(kind_of.__getitem__, cleaned["cert_kind"]))
    if unknown_kind:
        for i, (given, kind) in enumerate(zip(cleaned["cert_kind"], kinds, strict=True)):
            if kind is None:
                problem(i, "cert_kind", "unknown", f"cert_kind: {given!r} is not one of cá nhân, tổ chức, thiết bị")
    if "cert_serial" not in as_given:
        rule("cert_serial", cleaned["cert_serial"], _cert)
    dobs = _dates(columns.get("date_of_birth", missing_column), problem, odd)
    # Tuples, the lists let go: the cyclic collector stops walking a tuple of text after one look,
    # a list it walks at every collection.
    done: dict[str, Sequence[Any]] = {**cleaned, "cert_kind": kinds, "date_of_birth": dobs}
    del kinds, dobs, cleaned
    return CheckedSubscribers({name: tuple(done.pop(name)) for name in _CHECKED_FIELDS}, count, problems, odd,
                              _SEAL)


def _dates(births: Sequence[Any], problem: Any, odd: set[int]) -> list[str | None]:
    """Each date of birth as stored (ISO): all at once when every value is already an ISO
    day in range (or every one a "DD/MM/YYYY" day in range), else each distinct value once
    through :func:`_date`."""
    keys: Sequence[Any] = births
    undated: set[int] = set()
    types = set(map(type, births))
    if types == _DATE_ONLY:  # a spreadsheet's date cells, one in every row
        if min(births).isoformat() >= _EARLIEST and max(births).isoformat() <= _today():
            return list(map(date.isoformat, births))
    elif types <= _NONE_OR_DATE and date in types:  # … and empty cells
        day_iso: dict[Any, str] = {day: day.isoformat() for day in set(births) if day is not None}
        if min(day_iso.values()) >= _EARLIEST and max(day_iso.values()) <= _today():
            return list(map(day_iso.get, births))  # (few distinct days: each written once; None stays None)
    if not types <= _NONE_OR_STR:
        undated = {i for i, v in enumerate(births) if type(v) not in _DATE_TYPES}  # unhashable …: one by one
        keys = [(type(v), v) if i not in undated else (None, i) for i, v in enumerate(births)]  # 1 == True
    distinct = {key: births[i] for i, key in enumerate(keys)} if undated else dict(zip(keys, births, strict=True))
    iso_of: dict[Any, Any] = _iso_days(distinct)
    worded: dict[Any, tuple[list[str], list[str]]] = {}
    for key, value in distinct.items() if not iso_of else ():
        found: list[str] = []
        codes: list[str] = []
        iso_of[key] = None if value is None else _date(value, found, codes)
        if found:
            worded[key] = found, codes
        elif value is not None and iso_of[key] != value:
            worded[key] = [], []  # rewritten by the rule: an odd value
    dobs = [iso_of[key] for key in keys]
    if worded:
        for i, key in enumerate(keys):
            if key in worded:
                odd.add(i)
                texts, codes = worded[key]
                for text, code in zip(texts, codes, strict=True):
                    problem(i, "date_of_birth", code, text)
                dobs[i] = None if texts else dobs[i]
    return dobs


_DMY_LINES = re.compile(r"(?:[0-9]{2}/[0-9]{2}/[0-9]{4}\n)*[0-9]{2}/[0-9]{2}/[0-9]{4}")
# where the characters of "DD/MM/YYYY" go in "YYYY-MM-DD" (records of 11 with the newline)
_DMY_TO_ISO = ((0, 6), (1, 7), (2, 8), (3, 9), (5, 3), (6, 4), (8, 0), (9, 1))


def _dmy_as_iso(days: list[str]) -> list[str] | None:
    """["YYYY-MM-DD", …] of texts all "DD/MM/YYYY", laid out by strided slices (in C) rather
    than one formatted string each; None if some text is not of that form."""
    joined = "\n".join(days)
    if not _DMY_LINES.fullmatch(joined):
        return None
    given = joined.encode("ascii") + b"\n"
    iso = bytearray(b"-" * len(given))
    for to, at in _DMY_TO_ISO:
        iso[to::11] = given[at::11]
    iso[10::11] = b"\n" * len(days)
    return iso[:-1].decode("ascii").split("\n")


def _iso_days(distinct: dict[Any, Any]) -> dict[Any, str | None]:
    """{key: the day} when every value is None, "" or a day in range — every one an ISO day
    ("YYYY-MM-DD", what _date() keeps as it is), or every one "DD/MM/YYYY" (a roster's
    dates) — checked all at once; else {} (ask _date)."""
    days = [v for v in distinct.values() if v]
    if not days or not set(map(type, days)) <= {str}:
        return {}
    if "/" in days[0] and (iso_days := _dmy_as_iso(days)) is not None:
        try:
            list(map(date.fromisoformat, iso_days))  # each a real day
        except ValueError:
            return {}
        if min(iso_days) < _EARLIEST or max(iso_days) > _today():
            return {}
        iso = dict(zip(days, iso_days, strict=True))
        return {key: iso[value] if value else None for key, value in distinct.items()}
    try:
        canonical = list(map(date.isoformat, map(date.fromisoformat, days))) == days
    except ValueError:
        return {}
    if not canonical or min(days) < _EARLIEST or max(days) > _today():
        return {}
    return {key: value or None for key, value in distinct.items()}


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
