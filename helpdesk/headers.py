"""Roster columns: which header of an office's spreadsheet holds which field.

Offices write headers their own way ("Họ và tên", "HỌ TÊN", "Số CCCD/CMND", "Số định
danh cá nhân / ngày cấp, nơi cấp" …). Headers are folded (no diacritics, lower case,
punctuation as spaces) and looked up among known spellings; failing that, the first
field whose key words all appear in the header wins. A mapping ``field=Header`` (the
operator's ``--mapping``) takes precedence over both.

:class:`HeaderRules` holds one kind of roster's spellings; :data:`SUBSCRIBER_HEADERS` is
the Mẫu 01 subscriber roster's, which a plugin extends with its own spellings
(:meth:`HeaderRules.extended`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from helpdesk.sheets import SheetError
from helpdesk.store.search import fold

_PUNCT = re.compile(r"[^a-z0-9]+")
HEADER_SCAN_ROWS = 15  # offices put titles above the table


def fold_header(text: object) -> str:
    """"Số CCCD/CMND (*)" -> "so cccd cmnd"."""
    return _PUNCT.sub(" ", fold(str(text or ""))).strip()


@dataclass(frozen=True)
class ColumnMap:
    """Field -> 0-based column index, and the headers left unused."""

    columns: dict[str, int]
    unused: tuple[str, ...] = ()
    required: tuple[str, ...] = ("full_name", "national_id", "unit")

    def missing(self) -> list[str]:
        return [f for f in self.required if f not in self.columns]


@dataclass(frozen=True)
class HeaderRules:
    """The header spellings of one kind of roster.

    ``aliases``: field -> spellings (compared folded); ``keywords``: fallback, every key
    word present in the folded header (the first field listed wins); ``ignored``: folded
    headers that name no field and are not reported unused; ``required``: the fields a
    file must have, ``required_headers`` their names in a message."""

    aliases: dict[str, tuple[str, ...]]
    keywords: tuple[tuple[str, tuple[str, ...]], ...]
    ignored: frozenset[str] = frozenset()
    required: tuple[str, ...] = ()
    required_headers: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.aliases)

    @cached_property
    def _lookup(self) -> dict[str, str]:
        return {fold_header(alias): name for name, aliases in self.aliases.items() for alias in aliases}

    def extended(self, aliases: Mapping[str, Iterable[str]] | None = None,
                 ignored: Iterable[str] = ()) -> HeaderRules:
        """These rules with more spellings (appended to a field's) and more ignored headers."""
        merged = dict(self.aliases)
        for name, more in (aliases or {}).items():
            merged[name] = (*merged.get(name, ()), *more)
        return replace(self, aliases=merged, ignored=self.ignored | {fold_header(h) for h in ignored})

    def missing_headers(self, columns: ColumnMap) -> str:
        """The required columns a file lacks, named for the office ("Họ và tên, Đơn vị")."""
        return ", ".join(self.required_headers.get(f, f) for f in columns.missing())

    def match(self, header: object) -> str | None:
        key = fold_header(header)
        if not key or key in self.ignored:
            return None
        if key in self._lookup:
            return self._lookup[key]
        words = set(key.split())
        for name, needed in self.keywords:
            if all(w in words for w in needed):
                return name
        return None

    def score(self, headers: Sequence[object]) -> int:
        """How many distinct fields a row of cells names (to find the header row)."""
        return len({f for h in headers if (f := self.match(h))})

    def find_header(self, rows: Sequence[Sequence[Any]], rank: Callable[[Sequence[Any]], int] | None = None) -> int:
        """The index of the header row: the best-ranked (by default :meth:`score`) of the
        first :data:`HEADER_SCAN_ROWS` rows, naming at least two fields."""
        rank = rank or self.score
        seen = rows[:HEADER_SCAN_ROWS]
        best = max(range(len(seen)), key=lambda i: rank(seen[i]), default=None)
        if best is None or rank(seen[best]) < 2:
            raise SheetError("No header row found in the first {n} rows (expected columns such as {columns})",
                             n=HEADER_SCAN_ROWS, columns=", ".join(self.required_headers.values()))
        return best

    def parse_mapping(self, items: Iterable[str]) -> dict[str, str]:
        """``["national_id=Số CMT", "unit=Cơ quan"]`` (or comma-joined) -> {field: header}."""
        out: dict[str, str] = {}
        for item in items:
            for part in item.split(","):
                if not part.strip():
                    continue
                name, sep, header = part.partition("=")
                name = name.strip()
                if not sep or not header.strip():
                    raise SheetError("Bad column mapping {item!r}: write field=Header", item=part.strip())
                if name not in self.aliases:
                    raise SheetError("Unknown field {field} in the column mapping; known: {known}",
                                     field=name, known=", ".join(self.fields))
                out[name] = header.strip()
        return out

    def map_columns(self, headers: Sequence[object], mapping: Mapping[str, str] | None = None) -> ColumnMap:
        """Match a header row; an override names the header (accents and case ignored)."""
        folded = [fold_header(h) for h in headers]
        columns: dict[str, int] = {}
        for name, wanted in (mapping or {}).items():
            want = fold_header(wanted)
            if want not in folded:
                raise SheetError("The column {header!r} given for {field} is not in the file",
                                 header=wanted, field=name)
            columns[name] = folded.index(want)
        taken = set(columns.values())
        unused = []
        for i, cell in enumerate(headers):
            if i in taken or not folded[i]:
                continue
            found = self.match(cell)
            if found is None or found in columns:
                if folded[i] not in self.ignored:
                    unused.append(str(cell))
                continue
            columns[found] = i
        return ColumnMap(columns, tuple(unused), self.required)


#: The Mẫu 01 subscriber roster (handover; training extends it).
SUBSCRIBER_HEADERS = HeaderRules(
    aliases={
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
    },
    keywords=(
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
    ),
    ignored=frozenset({"stt", "so tt", "so thu tu", "ghi chu", "tinh thanh pho", "sim pki", "dia chi tiep nhan"}),
    required=("full_name", "national_id", "unit"),
    required_headers={"full_name": "Họ và tên", "national_id": "Số định danh cá nhân", "unit": "Đơn vị"},
)
