"""Roster import: .xlsx or .csv (UTF-8, with or without BOM, ``,`` or ``;``) -> subscribers.

Everything is checked before anything is written: :func:`read_roster` returns a
:class:`RosterReport` listing every bad row (its row number in the file and why, in
the operator's language); :func:`import_roster` writes all rows, or — with
``skip_invalid`` — the good ones, and never a file with a problem otherwise. Units
named in the file are matched by name (diacritics and case ignored) or created.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from helpdesk.errors import HelpdeskError
from helpdesk.i18n import gettext
from helpdesk.store import Store, fold
from helpdesk_handover.columns import (
    REQUIRED,
    ColumnError,
    ColumnMap,
    fold_header,
    map_columns,
    score,
)

HEADER_SCAN_ROWS = 15  # offices put titles above the table
MAX_NAME = 100

# Vietnamese messages for each kind of bad row (msgid -> .po). Params: {value}.
MESSAGES: dict[str, str] = {
    "empty_name": "Full name is empty",
    "name_digits": "Full name {value!r} contains digits",
    "name_too_long": "Full name is longer than 100 characters",
    "control_chars": "The row contains control characters",
    "id_missing": "ID number (CCCD/CMND) is empty",
    "id_not_digits": "ID number {value!r} may hold digits only",
    "id_length": "ID number {value!r} must have 12 digits (CCCD) or 9 digits (CMND)",
    "id_dup": "ID number {value} already appears in row {other}",
    "id_in_store": "ID number {value} already belongs to {other} in the roster",
    "token_bad": "Token serial {value!r} may hold only letters, digits and . _ : -",
    "token_dup": "Token serial {value} already appears in row {other}",
    "token_in_store": "Token serial {value} already belongs to {other} in the roster",
    "cert_not_hex": "Certificate serial {value!r} is not hexadecimal",
    "cert_dup": "Certificate serial {value} already appears in row {other}",
    "email_invalid": "E-mail {value!r} is not an e-mail address",
    "email_not_official": "E-mail {value!r} is not an official address (….gov.vn)",
    "phone_invalid": "Phone number {value!r} is not a Vietnamese phone number",
    "dob_invalid": "Date of birth {value!r} is not a date (DD/MM/YYYY)",
    "dob_range": "Date of birth {value} is not plausible for an official",
    "kind_unknown": "Certificate kind {value!r} is not one of: cá nhân, tổ chức, thiết bị",
    "unit_missing": "Unit is empty",
    "level_unknown": "Unit level {value!r} is not one of: sở/ban/ngành, quận/huyện, xã/phường/thị trấn, đơn vị sự nghiệp, hội",
    "row_long": "The row has more cells than the header (a comma inside an unquoted name?)",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_HEX = re.compile(r"[0-9A-F]{1,64}")
_DIGIT = re.compile(r"\d")
_PHONE_STRIP = str.maketrans("", "", " .-()")
_KINDS = {"ca nhan": "ca_nhan", "canhan": "ca_nhan", "ca_nhan": "ca_nhan", "to chuc": "to_chuc",
          "tochuc": "to_chuc", "to_chuc": "to_chuc", "co quan": "to_chuc", "to chuc co quan": "to_chuc",
          "thiet bi": "thiet_bi", "thiet_bi": "thiet_bi", "may chu": "thiet_bi"}
_LEVELS = {
    "so ban nganh": "so_ban_nganh", "so": "so_ban_nganh", "ban": "so_ban_nganh", "nganh": "so_ban_nganh",
    "quan huyen": "quan_huyen", "quan": "quan_huyen", "huyen": "quan_huyen", "thi xa": "quan_huyen",
    "xa phuong thi tran": "xa_phuong_thi_tran", "xa": "xa_phuong_thi_tran", "phuong": "xa_phuong_thi_tran",
    "thi tran": "xa_phuong_thi_tran", "don vi su nghiep": "don_vi_su_nghiep", "dvsn": "don_vi_su_nghiep",
    "hoi": "hoi", "hoi dac thu": "hoi",
}
_LEVEL_VALUES = set(_LEVELS.values())
_WORDS = re.compile(r"[^a-z0-9]+")


class RosterRefused(HelpdeskError):
    """The file has bad rows and ``skip_invalid`` was not asked for: nothing was written."""

    title = "Roster refused"

    def __init__(self, report: RosterReport) -> None:
        super().__init__("{count} rows of {source} have problems; nothing was imported. First: {first}",
                         count=len(report.bad_rows), source=report.source,
                         first=report.problems[0].localized() if report.problems else "")
        self.report = report


@dataclass(frozen=True)
class RowProblem:
    row: int  # row number as the office sees it (1 = first line of the file / sheet)
    code: str  # a key of MESSAGES
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return MESSAGES[self.code]

    def localized(self) -> str:
        text = gettext(MESSAGES[self.code]).format(**self.params)
        return gettext("Row {row}: {problem}").format(row=self.row, problem=text)


@dataclass
class RosterReport:
    source: str
    columns: ColumnMap
    rows: list[dict[str, Any]]  # good rows: subscriber fields + "unit" name + "unit_level" + "row"
    problems: list[RowProblem]
    total: int  # data rows read (blank rows not counted)
    imported: int = 0
    units_created: list[str] = field(default_factory=list)
    units_matched: int = 0

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """Every problem, one line each, in the current language."""
        return [p.localized() for p in self.problems]

    def summary(self) -> str:
        return gettext("{source}: {total} rows, {good} valid, {bad} with problems; {imported} imported, "
                       "{units} new units").format(source=self.source, total=self.total, good=len(self.rows),
                                                   bad=len(self.bad_rows), imported=self.imported,
                                                   units=len(self.units_created))


# -- reading cells ---------------------------------------------------------------------

Rank = Callable[[Sequence[Any]], int]


def _csv_rows(path: Path, rank: Rank) -> Iterator[list[Any]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ColumnError("{path} is not UTF-8 text; save it as \"CSV UTF-8\"", path=path.name) from exc
    head = text[:20000].splitlines()[:HEADER_SCAN_ROWS]
    best = max((";", ",", "\t"), key=lambda d: max((rank(line.split(d)) for line in head), default=0))
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=best)


def _xlsx_rows(path: Path) -> Iterator[Sequence[Any]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ColumnError("{path} is not a readable .xlsx file: {error}", path=path.name, error=str(exc)) from exc
    try:
        sheet = book.active if book.active is not None else book.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        book.close()


def iter_cells(path: Path, rank: Rank = score) -> Iterator[Sequence[Any]]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ColumnError("File {path} does not exist", path=str(path))
    if suffix == ".csv":
        return _csv_rows(path, rank)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    raise ColumnError("Unsupported roster file {path}: use .xlsx or .csv", path=path.name)


# -- one cell at a time -------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is not str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    text = " ".join(value.split())
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _national_id(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = str(int(value))
        # Excel drops the leading zero of a CCCD typed as a number (province codes 001-096).
        return digits.zfill(12) if len(digits) == 11 else digits.zfill(9) if len(digits) == 8 else digits
    return _text(value).replace(" ", "").replace(".", "")


def _birth(value: Any, today: date) -> tuple[str | None, str | None]:
    """(ISO date, problem code)."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = _text(value)
        try:
            if "/" in text:
                d, m, y = (int(p) for p in text.split("/"))
                day = date(y, m, d)
            else:
                day = date.fromisoformat(text[:10])
        except ValueError:
            return None, "dob_invalid"
    if not date(1900, 1, 1) <= day <= today.replace(year=today.year - 18):
        return day.isoformat(), "dob_range"
    return day.isoformat(), None


def guess_level(unit_name: str) -> str:
    """A unit's level from its name, for units a roster creates without a level column."""
    name = _WORDS.sub(" ", fold(unit_name)).strip()
    name = re.sub(r"^(ubnd|uy ban nhan dan) ", "", name)
    if name.startswith(("xa ", "phuong ", "thi tran ")):
        return "xa_phuong_thi_tran"
    if name.startswith(("quan ", "huyen ", "thi xa ", "thanh pho ")):
        return "quan_huyen"
    if name.startswith("hoi "):
        return "hoi"
    if name.startswith(("trung tam ", "truong ", "benh vien ", "vien ", "ban quan ly ", "dai ")):
        return "don_vi_su_nghiep"
    return "so_ban_nganh"


def unit_id_for(name: str) -> str:
    slug = _WORDS.sub("-", fold(name)).strip("-")[:40] or "unit"
    return f"u-{slug}-{hashlib.sha1(fold(name).encode()).hexdigest()[:6]}"


# -- the file ------------------------------------------------------------------------------

def header_rank(mapping: Mapping[str, str] | None) -> Rank:
    """How much a row looks like the header: known columns plus the mapping's."""
    wanted = {fold_header(h) for h in (mapping or {}).values()}

    def rank(cells: Sequence[Any]) -> int:
        return score(cells) + sum(1 for c in cells if fold_header(c) in wanted)

    return rank


def _find_header(rows: Iterator[Sequence[Any]], rank: Rank) -> tuple[int, Sequence[Any], list[tuple[int, Sequence[Any]]]]:
    """(row number of the header, header cells, rows read past it that are data)."""
    seen: list[tuple[int, Sequence[Any]]] = []
    for n, cells in enumerate(rows, 1):
        seen.append((n, cells))
        if n >= HEADER_SCAN_ROWS:
            break
    best = max(seen, key=lambda item: rank(item[1]), default=None)
    if best is None or rank(best[1]) < 2:
        raise ColumnError("No header row found in the first {n} rows (expected columns such as "
                          "Họ và tên, Số định danh cá nhân, Đơn vị)", n=HEADER_SCAN_ROWS)
    return best[0], best[1], [item for item in seen if item[0] > best[0]]


def read_roster(path: Path, mapping: Mapping[str, str] | None = None, store: Store | None = None,
                today: date | None = None) -> RosterReport:
    """Parse and check a roster file; with ``store``, also against subscribers already there."""
    path = Path(path)
    rank = header_rank(mapping)
    rows = iter_cells(path, rank)
    header_no, header, early = _find_header(rows, rank)
    columns = map_columns(header, mapping)
    if columns.missing():
        from helpdesk_handover.columns import ALIASES

        raise ColumnError("{path}: required columns missing: {columns}", path=path.name,
                          columns=", ".join(ALIASES[f][0] for f in columns.missing()))

    def data() -> Iterator[tuple[int, Sequence[Any]]]:
        yield from early
        yield from enumerate(rows, header_no + len(early) + 1)

    return _check_rows(path.name, columns, len(header), data(), store, today or date.today())


def _check_rows(source: str, columns: ColumnMap, width: int, data: Iterator[tuple[int, Sequence[Any]]],
                store: Store | None, today: date) -> RosterReport:
    col = columns.columns
    c_name, c_id, c_unit = (col[f] for f in REQUIRED)
    optional = {f: col.get(f) for f in ("date_of_birth", "position", "unit_level", "email", "phone",
                                        "cert_kind", "token_serial", "cert_serial")}
    by_id: dict[str, int] = {}
    by_token: dict[str, int] = {}
    by_cert: dict[str, int] = {}
    subscribers = store.subscribers if store is not None else None
    good: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    total = 0
    cache_level: dict[str, str | None] = {}
    cache_kind: dict[str, str | None] = {}

    def cell(cells: Sequence[Any], index: int | None) -> Any:
        return cells[index] if index is not None and index < len(cells) else None

    for n, cells in data:
        if not any(c not in (None, "") and (type(c) is not str or c.strip()) for c in cells):
            continue  # blank line
        total += 1
        bad: list[RowProblem] = []
        if len(cells) > width and any(c not in (None, "") for c in cells[width:]):
            bad.append(RowProblem(n, "row_long"))
        if _CONTROL.search("\n".join([c for c in cells if type(c) is str])):  # LF is not in _CONTROL
            bad.append(RowProblem(n, "control_chars"))
        name = _text(cell(cells, c_name))
        if not name:
            bad.append(RowProblem(n, "empty_name"))
        elif _DIGIT.search(name):
            bad.append(RowProblem(n, "name_digits", {"value": name}))
        elif len(name) > MAX_NAME:
            bad.append(RowProblem(n, "name_too_long"))
        national = _national_id(cell(cells, c_id))
        if not national:
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
        unit = _text(cell(cells, c_unit))
        if not unit:
            bad.append(RowProblem(n, "unit_missing"))
        level_text = _text(cell(cells, optional["unit_level"]))
        level = None
        if level_text:
            if level_text not in cache_level:
                key = _WORDS.sub(" ", fold(level_text).replace("/", " ")).strip()
                key = re.sub(r"\s+", " ", key.replace(",", " "))
                cache_level[level_text] = _LEVELS.get(key) or (key.replace(" ", "_") if key.replace(" ", "_") in _LEVEL_VALUES else None)
            level = cache_level[level_text]
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
        cert = _text(cell(cells, optional["cert_serial"])).replace(":", "").replace(" ", "").upper() or None
        if cert is not None:
            if not _HEX.fullmatch(cert):
                bad.append(RowProblem(n, "cert_not_hex", {"value": cert}))
            elif cert in by_cert:
                bad.append(RowProblem(n, "cert_dup", {"value": cert, "other": by_cert[cert]}))
            else:
                by_cert[cert] = n
        email = _text(cell(cells, optional["email"])) or None
        if email is not None:
            local, at, domain = email.rpartition("@")
            domain = domain.lower()
            if not at or not local or "@" in local or " " in email or "." not in domain.strip("."):
                bad.append(RowProblem(n, "email_invalid", {"value": email}))
            elif not (domain == "gov.vn" or domain.endswith(".gov.vn")):
                bad.append(RowProblem(n, "email_not_official", {"value": email}))
            else:
                email = f"{local}@{domain}"
        phone = _text(cell(cells, optional["phone"])).translate(_PHONE_STRIP) or None
        if phone is not None:
            if phone.startswith("+84"):
                phone = "0" + phone[3:]
            elif phone[0] != "0" and phone.isdigit() and len(phone) in (9, 10):
                phone = "0" + phone  # a number typed into Excel loses its leading zero
            if not (phone.isdigit() and phone.isascii() and phone[0] == "0" and 10 <= len(phone) <= 11):
                bad.append(RowProblem(n, "phone_invalid", {"value": phone}))
        birth, birth_problem = _birth(cell(cells, optional["date_of_birth"]), today)
        if birth_problem:
            shown = birth or _text(cell(cells, optional["date_of_birth"]))
            bad.append(RowProblem(n, birth_problem, {"value": shown}))
        kind_text = _text(cell(cells, optional["cert_kind"]))
        kind: str | None = "ca_nhan"
        if kind_text:
            if kind_text not in cache_kind:
                cache_kind[kind_text] = _KINDS.get(_WORDS.sub(" ", fold(kind_text)).strip())
            kind = cache_kind[kind_text]
            if kind is None:
                bad.append(RowProblem(n, "kind_unknown", {"value": kind_text}))
        if bad:
            problems.extend(bad)
            continue
        good.append({
            "row": n, "full_name": name, "national_id": national, "unit": unit, "unit_level": level,
            "position": _text(cell(cells, optional["position"])) or None, "date_of_birth": birth,
            "email": email, "phone": phone, "cert_kind": kind, "token_serial": token, "cert_serial": cert,
        })
    return RosterReport(source, columns, good, problems, total)


# -- writing ----------------------------------------------------------------------------------

SUBSCRIBER_KEYS = ("full_name", "date_of_birth", "position", "national_id", "email", "phone",
                   "cert_kind", "token_serial", "cert_serial")


def import_roster(store: Store, path: Path, operator: str, *, mapping: Mapping[str, str] | None = None,
                  skip_invalid: bool = False, today: date | None = None) -> RosterReport:
    """Check the file against the store, then write units and subscribers.

    Raises :class:`RosterRefused` (nothing written) when a row is bad and ``skip_invalid``
    is False. The store lock is held from the check to the write, so a concurrent
    commit cannot slip a duplicate in between.
    """
    with store.locked():
        report = read_roster(path, mapping, store, today)
        if report.problems and not skip_invalid:
            raise RosterRefused(report)
        if not report.rows:
            return report
        known = {fold(u.name): u.id for u in store.units.all()}
        new_units: dict[str, dict[str, str]] = {}
        unit_of: dict[str, str] = {}
        for row in report.rows:
            key = fold(row["unit"])
            if key in known:
                unit_of[key] = known[key]
            elif key not in new_units:
                new_units[key] = {"id": unit_id_for(row["unit"]), "name": row["unit"],
                                  "level": row["unit_level"] or guess_level(row["unit"])}
                unit_of[key] = new_units[key]["id"]
        report.units_matched = len({k for k in unit_of if k in known})
        if new_units:
            store.units.add_many(list(new_units.values()), operator)
            report.units_created = [u["name"] for u in new_units.values()]
        store.subscribers.add_many(
            [{**{k: row[k] for k in SUBSCRIBER_KEYS}, "unit_id": unit_of[fold(row["unit"])]} for row in report.rows],
            operator,
        )
        report.imported = len(report.rows)
    return report
