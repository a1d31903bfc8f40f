"""Document numbers ("Số: 12/BB-SNV"): one counter per series and year, gap-free.

``store.numbers.next(series, year)`` holds the store lock and returns the next
:class:`Number`; pass it to ``store.commit(..., number=n)`` inside the ``with`` block
and the counter moves in the same commit as the records (journal: both land or neither).
Leaving the block without committing uses nothing, so the next caller gets the same
number: no gap after a refused save or a crash, no duplicate after a kill -9.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from helpdesk.store.errors import InvalidData, StoreError
from helpdesk.store.storage import AtomicStorage

if TYPE_CHECKING:
    from helpdesk.store.store import Store

NUMBERS_FILE = "numbers.json"
_TABLE = "numbers"
_SERIES = re.compile(r"^[A-Za-z0-9Đđ][A-Za-z0-9Đđ_.-]{0,31}$")


@dataclass(frozen=True)
class Number:
    """One number of a series in a year; ``seq`` counts from 1 each year."""

    series: str
    year: int
    seq: int

    def text(self, org_code: str) -> str:
        """The Decree-30 "Số" text: ``12/BB-SNV``."""
        return f"{self.seq}/{self.series}-{org_code}" if org_code else f"{self.seq}/{self.series}"


class Numbers:
    """``store.numbers``: the last number taken per (series, year)."""

    def __init__(self, store: Store, directory: Path) -> None:
        self._store = store
        self._storage = AtomicStorage(directory / NUMBERS_FILE, store.current_transaction)

    def _rows(self) -> dict[str, dict[str, object]]:
        data = self._storage.read() or {}
        rows: dict[str, dict[str, object]] = data.get(_TABLE, {})
        return rows

    def last(self, series: str, year: int) -> int:
        with self._store.locked():
            value = self._rows().get(f"{series}/{year}", {}).get("last", 0)
            return int(value) if isinstance(value, int) else 0

    @contextmanager
    def next(self, series: str, year: int, *, floor: int = 0) -> Iterator[Number]:
        """The next number, reserved while the block runs (the store lock is held).

        ``floor``: the last number already used on paper before this counter existed
        (e.g. found in a plugin's older records); the counter continues above it.
        """
        if not _SERIES.match(series):
            raise InvalidData("Bad number series {series!r}", series=series)
        if not 1900 <= year <= 9999:
            raise InvalidData("Bad year {year} for a number", year=year)
        with self._store.locked():
            yield Number(series, year, max(self.last(series, year), floor) + 1)

    def take(self, number: Number) -> None:
        """Inside a commit: move the counter to ``number`` (it must be the next one)."""
        if self._store.current_transaction() is None:
            raise StoreError("Internal error: a number is taken only inside a commit")
        rows = dict(self._rows())
        key = f"{number.series}/{number.year}"
        last = rows.get(key, {}).get("last", 0)
        if number.seq <= (last if isinstance(last, int) else 0):  # above the last: a floor may skip ahead
            raise InvalidData("Number {seq} of {series}/{year} is no longer free (last taken: {last}); "
                              "take the number inside next()", seq=number.seq, series=number.series,
                              year=number.year, last=last)
        rows[key] = {"series": number.series, "year": number.year, "last": number.seq}
        self._storage.write({_TABLE: rows})
