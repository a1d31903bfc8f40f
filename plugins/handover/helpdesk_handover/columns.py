"""Roster columns: which header of an office's spreadsheet holds which field.

Offices write headers their own way ("Họ và tên", "HỌ TÊN", "Số CCCD/CMND", "Số định
danh cá nhân / ngày cấp, nơi cấp" …). Headers are folded (no diacritics, lower case,
punctuation as spaces) and looked up among known spellings; failing that, the first
field whose key words all appear in the header wins. ``--mapping field=Header`` takes
precedence over both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from helpdesk.extension import HelpdeskError, fold

#: Canonical field -> header spellings (folded form is compared).
ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("họ và tên", "họ tên", "tên", "tên thuê bao", "họ và tên thuê bao", "tên chứng thư",
                  "tên chứng thư số", "tên cơ quan tổ chức", "full name", "name"),
    "date_of_birth": ("ngày sinh", "ngày tháng năm sinh", "năm sinh", "date of birth"),
    "position": ("chức vụ", "chức danh", "chức vụ chức danh", "chức vụ hoặc chức danh", "position"),
    "unit": ("đơn vị", "cơ quan", "đơn vị công tác", "cơ quan đơn vị", "tên đơn vị", "tên cơ quan",
             "tên cơ quan tổ chức công tác", "cơ quan tổ chức công tác", "unit"),
    "unit_level": ("cấp đơn vị", "loại đơn vị", "cấp", "unit level"),
    "national_id": ("số định danh cá nhân", "số định danh", "số cccd", "cccd", "số cmnd", "cmnd",
                    "cccd cmnd", "số cccd cmnd", "số cmnd cccd", "số định danh cá nhân cccd cmnd",
                    "số định danh cá nhân ngày cấp nơi cấp", "national id"),
    "email": ("email", "e mail", "email công vụ", "thư điện tử", "thư điện tử công vụ",
              "địa chỉ thư điện tử công vụ", "địa chỉ thư điện tử"),
    "phone": ("điện thoại", "số điện thoại", "số điện thoại di động", "điện thoại di động", "phone"),
    "cert_kind": ("loại chứng thư", "loại chứng thư số", "loại thuê bao", "loại", "cert kind"),
    "token_serial": ("số hiệu thiết bị", "số hiệu thiết bị lưu khóa bí mật", "số serial token",
                     "serial token", "token serial", "số hiệu token", "mã thiết bị"),
    "cert_serial": ("số hiệu chứng thư", "số hiệu chứng thư số", "số hiệu chứng thư chữ ký số",
                    "serial chứng thư", "số serial chứng thư", "cert serial"),
}

#: Fallback: every key word present in the folded header (first field listed wins).
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("token_serial", ("thiet", "bi")),
    ("cert_serial", ("hieu", "chung", "thu")),
    ("cert_kind", ("loai", "chung", "thu")),
    ("national_id", ("dinh", "danh")),
    ("national_id", ("cccd",)),
    ("national_id", ("cmnd",)),
    ("email", ("thu", "dien", "tu")),
    ("email", ("email",)),
    ("phone", ("dien", "thoai")),
    ("date_of_birth", ("ngay", "sinh")),
    ("position", ("chuc", "vu")),
    ("position", ("chuc", "danh")),
    ("unit_level", ("cap", "don", "vi")),
    ("unit", ("don", "vi")),
    ("unit", ("co", "quan")),
    ("full_name", ("ho", "ten")),
)

FIELDS = tuple(ALIASES)
REQUIRED = ("full_name", "national_id", "unit")
IGNORED = {"stt", "so tt", "so thu tu", "ghi chu", "tinh thanh pho", "sim pki", "dia chi tiep nhan"}

_PUNCT = re.compile(r"[^a-z0-9]+")


def fold_header(text: object) -> str:
    """"Số CCCD/CMND (*)" -> "so cccd cmnd"."""
    return _PUNCT.sub(" ", fold(str(text or ""))).strip()


_LOOKUP = {fold_header(alias): name for name, aliases in ALIASES.items() for alias in aliases}


class ColumnError(HelpdeskError):
    title = "Roster file"


@dataclass(frozen=True)
class ColumnMap:
    """Field -> 0-based column index, and the headers left unused."""

    columns: dict[str, int]
    unused: tuple[str, ...] = ()

    def missing(self) -> list[str]:
        return [f for f in REQUIRED if f not in self.columns]


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``["national_id=Số CMT", "unit=Cơ quan"]`` (or comma-joined) -> {field: header}."""
    out: dict[str, str] = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            field, sep, header = part.partition("=")
            field = field.strip()
            if not sep or not header.strip():
                raise ColumnError("Bad column mapping {item!r}: write field=Header", item=part.strip())
            if field not in ALIASES:
                raise ColumnError("Unknown field {field} in the column mapping; known: {known}",
                                  field=field, known=", ".join(FIELDS))
            out[field] = header.strip()
    return out


def match_field(header: object) -> str | None:
    key = fold_header(header)
    if not key or key in IGNORED:
        return None
    if key in _LOOKUP:
        return _LOOKUP[key]
    words = set(key.split())
    for field, needed in KEYWORDS:
        if all(w in words for w in needed):
            return field
    return None


def map_columns(headers: Sequence[object], mapping: Mapping[str, str] | None = None) -> ColumnMap:
    """Match a header row; an override names the header (accents and case ignored)."""
    folded = [fold_header(h) for h in headers]
    columns: dict[str, int] = {}
    for name, wanted in (mapping or {}).items():
        want = fold_header(wanted)
        if want not in folded:
            raise ColumnError("The column {header!r} given for {field} is not in the file",
                              header=wanted, field=name)
        columns[name] = folded.index(want)
    taken = set(columns.values())
    unused = []
    for i, cell in enumerate(headers):
        if i in taken or not folded[i]:
            continue
        found = match_field(cell)
        if found is None or found in columns:
            if folded[i] not in IGNORED:
                unused.append(str(cell))
            continue
        columns[found] = i
    return ColumnMap(columns, tuple(unused))


def score(headers: Sequence[object]) -> int:
    """How many distinct fields a row of cells names (to find the header row)."""
    return len({f for h in headers if (f := match_field(h))})
