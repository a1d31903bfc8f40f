"""The certificate authority's delivery list: token serials (and who they are for)."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

from helpdesk.extension import HelpdeskError, fold

SERIAL_HEADERS = {"serial", "so serial", "so hieu thiet bi", "serial thiet bi", "token serial"}
NAME_HEADERS = {"ho va ten", "ho ten", "name", "full name", "thue bao"}


class DeliveryListError(HelpdeskError):
    title = "Delivery list"


def _serial(value: object) -> str:
    return "".join(str(value or "").split()).upper()


def _rows(path: Path) -> list[list[object]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                return [list(row) for row in csv.reader(handle)]
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True, data_only=True)
            sheet = book.active
            return [list(row) for row in sheet.iter_rows(values_only=True)] if sheet is not None else []
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise DeliveryListError("Cannot read the delivery list {path}: {error}", path=str(path),
                                error=type(exc).__name__) from None
    except Exception as exc:  # zip/XML errors from a file that is not really .xlsx
        raise DeliveryListError("Cannot read the delivery list {path}: {error}", path=str(path),
                                error=type(exc).__name__) from None
    raise DeliveryListError("The delivery list must be .xlsx or .csv, not {suffix}", suffix=suffix or "?")


def read_delivery_list(path: Path) -> dict[str, str]:
    """serial -> holder name, from the first row whose cells name a serial column."""
    rows = _rows(path)
    for index, row in enumerate(rows):
        headers = [fold(unicodedata.normalize("NFC", str(c or ""))) for c in row]
        serial_col = next((i for i, h in enumerate(headers) if h in SERIAL_HEADERS), None)
        if serial_col is None:
            continue
        name_col = next((i for i, h in enumerate(headers) if h in NAME_HEADERS), None)
        found: dict[str, str] = {}
        for row_no, data in enumerate(rows[index + 1:], index + 2):
            serial = _serial(data[serial_col] if serial_col < len(data) else "")
            if not serial:
                continue
            if serial in found:
                raise DeliveryListError("Serial {serial} appears twice (row {row})", serial=serial, row=row_no)
            name = data[name_col] if name_col is not None and name_col < len(data) else ""
            found[serial] = unicodedata.normalize("NFC", str(name or "")).strip()
        return found
    raise DeliveryListError("No column of token serials (e.g. 'Số serial') in {path}", path=str(path))
