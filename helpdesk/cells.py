"""Roster cells as offices type them: text tidied, and the ID number rule.

A 12-digit citizen ID (CCCD) or 9-digit CMND is text. Excel turns one typed into a
General column into a number and drops its leading zero (province codes 001-096): such
a cell is reported (``"id_lost_zero"``), never padded — a guessed zero could give a
person someone else's number.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any


def cell_text(value: Any) -> str:
    """A cell as one line of NFC text ("" for an empty cell; 12.0 -> "12")."""
    if value is None:
        return ""
    if type(value) is not str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    text = " ".join(value.split())
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def national_id_cell(value: Any) -> tuple[str, str | None]:
    """(the ID number as stored, problem code or None) of one cell. Codes: ``id_missing``,
    ``id_not_digits``, ``id_length`` (not 12 or 9 digits), ``id_lost_zero``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            return cell_text(value), "id_not_digits"
        digits = str(int(value))
        if len(digits) in (8, 11):
            return digits, "id_lost_zero"
        text = digits
    else:
        text = cell_text(value).replace(" ", "").replace(".", "")
    if not text:
        return text, "id_missing"
    if not (text.isdigit() and text.isascii()):
        return text, "id_not_digits"
    if len(text) not in (9, 12):
        return text, "id_length"
    return text, None


def date_cell(value: Any) -> date:
    """A cell as a day: a date cell as it is, text as DD/MM/YYYY or ISO (YYYY-MM-DD…).
    ValueError for anything else, an empty cell included (say what is missing first)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if "/" in text:
        d, m, y = (int(part) for part in text.split("/"))
        return date(y, m, d)
    return date.fromisoformat(text[:10])
