"""The authority's delivery list (.xlsx or .csv): issued certificates or token serials per
subscriber, or refusals. Every row is checked and reported by its line; nothing changes
unless all rows are good (or ``skip_invalid``: the good ones are applied).

A good row becomes a known certificate (table ``renewal.deliveries``, read by the expiry
sweep) and moves its request on: submitted → issued (or rejected). Rows match requests by
the request id column the exported .xlsx carries, else by the citizen ID of the one
submitted request of that person (the tax code of that organisation). An .xlsx answer may
come as one sheet per form (Mẫu 01, 02, 03 as exported): every sheet with a header row is read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpdesk.extension import fold, nfc
from helpdesk_renewal import requests
from helpdesk_renewal.model import DELIVERIES, N_, Issue, RenewalError, clean_serial

if TYPE_CHECKING:
    from helpdesk.extension import WorkflowContext

#: column -> folded header texts it is recognised by
COLUMNS: dict[str, tuple[str, ...]] = {
    "request_id": ("ma yeu cau", "request id"),
    "name": ("ho va ten", "ten chung thu chu ky so", "ten thue bao", "ten co quan, to chuc",
             "ten thiet bi, dich vu, phan mem", "name"),
    "national_id": ("so dinh danh ca nhan", "so dinh danh ca nhan / ngay cap, noi cap", "cccd", "citizen id"),
    "tax_code": ("ma so thue", "tax code"),
    "cert_serial": ("so hieu chung thu", "so hieu chung thu chu ky so", "certificate serial"),
    "token_serial": ("so hieu thiet bi", "so hieu thiet bi luu khoa bi mat", "token serial"),
    "not_before": ("hieu luc tu", "ngay hieu luc", "valid from"),
    "not_after": ("hieu luc den", "ngay het han", "valid to"),
    "outcome": ("ket qua", "outcome"),
    "note": ("ghi chu", "ly do", "note"),
}
OUTCOMES = {"": "issued", "da cap": "issued", "cap": "issued", "issued": "issued", "da thu hoi": "issued",
            "revoked": "issued", "tu choi": "rejected", "khong cap": "rejected", "rejected": "rejected"}
_HEX = re.compile(r"^[0-9A-F]{1,40}$")
_NATIONAL = re.compile(r"^[0-9]{12}$")


@dataclass
class DeliveryRow:
    line: int
    values: dict[str, str]
    problems: list[Issue] = field(default_factory=list)
    request: dict[str, Any] | None = None
    outcome: str = "issued"
    sheet: str = ""  # the .xlsx sheet, when the file has several


@dataclass
class DeliveryReport:
    rows: list[DeliveryRow]
    applied: int = 0
    updated_requests: int = 0

    @property
    def bad(self) -> list[DeliveryRow]:
        return [r for r in self.rows if r.problems]

    @property
    def good(self) -> list[DeliveryRow]:
        return [r for r in self.rows if not r.problems]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value)).strip()


Sheet = tuple[str, list[list[str]]]


def read_sheets(path: Path) -> list[Sheet]:
    """(name, rows of text) of every sheet of an .xlsx, or of a .csv (UTF-8, ``,`` or ``;``)."""
    try:
        if path.suffix.lower() == ".xlsx":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True, data_only=True)
            try:
                return [(sheet.title, [[_text(c) for c in row] for row in sheet.iter_rows(values_only=True)])
                        for sheet in book.worksheets]
            finally:
                book.close()
        if path.suffix.lower() == ".csv":
            text = path.read_bytes().decode("utf-8-sig")
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
            return [("", [[_text(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)])]
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError) as exc:
        raise RenewalError("Cannot read {file}: {error}", file=path.name, error=str(exc) or type(exc).__name__) from None
    raise RenewalError("{file}: use an .xlsx or .csv file", file=path.name)


def _find_header(rows: Sequence[Sequence[str]]) -> tuple[int, dict[str, int]] | None:
    for i, row in enumerate(rows[:20]):
        folded = [fold(c) for c in row]
        found: dict[str, int] = {}
        for key, names in COLUMNS.items():
            for j, text in enumerate(folded):
                if text in names and key not in found:
                    found[key] = j
        if "name" in found and ("cert_serial" in found or "token_serial" in found or "outcome" in found):
            return i, found
    return None


def check_sheets(ctx: WorkflowContext, sheets: Sequence[Sheet]) -> list[DeliveryRow]:
    """The rows of every sheet with a header row (each sheet its own columns), named by sheet
    when there are several."""
    headed = [(name, rows, found) for name, rows in sheets if (found := _find_header(rows)) is not None]
    if not headed:
        raise RenewalError("No header row with the columns Họ và tên and Số hiệu chứng thư found")
    out: list[DeliveryRow] = []
    seen: dict[str, int] = {}
    for name, rows, (start, where) in headed:
        for row in check(ctx, rows, start, where, seen):
            row.sheet = name if len(headed) > 1 else ""
            out.append(row)
    return out


def _day(text: str) -> str | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text[:10], fmt).date().isoformat()
        except ValueError:
            continue
    return None


def check(ctx: WorkflowContext, rows: Sequence[Sequence[str]], start: int, where: dict[str, int],
          seen: dict[str, int]) -> list[DeliveryRow]:
    """Every data row under the header row ``start`` (columns ``where``) with its problems
    (English) and the request it answers; ``seen`` holds the serials of rows checked before."""
    all_requests = requests.table(ctx).all()
    by_id = {str(r["id"]): r for r in all_requests}
    submitted: dict[str, list[dict[str, Any]]] = {}
    for r in all_requests:
        if r["status"] == "submitted":
            submitted.setdefault(str(r["national_id"]), []).append(r)
            if r.get("tax_code"):
                submitted.setdefault("tax:" + str(r["tax_code"]), []).append(r)
    out: list[DeliveryRow] = []
    for offset, raw in enumerate(rows[start + 1:], start + 2):
        values = {key: (raw[j] if j < len(raw) else "") for key, j in where.items()}
        if not any(values.values()):
            continue
        row = DeliveryRow(offset, values)
        problems = row.problems
        outcome = OUTCOMES.get(fold(values.get("outcome", "")))
        if outcome is None:
            problems.append(Issue(N_("outcome '{value}' is not Đã cấp or Từ chối"), {"value": values["outcome"]}))
        row.outcome = outcome or "issued"
        if not values.get("name"):
            problems.append(Issue(N_("the name is required")))
        national = values.get("national_id", "").replace(" ", "")
        if national and not _NATIONAL.match(national):
            problems.append(Issue(N_("citizen ID '{value}' must be 12 digits"), {"value": national}))
        values["national_id"] = national
        tax_code = values.get("tax_code", "").replace(" ", "")
        serial = clean_serial(values.get("cert_serial"))
        values["cert_serial"] = serial
        if row.outcome == "issued":
            if serial and not _HEX.match(serial):
                problems.append(Issue(N_("certificate serial '{value}' is not hexadecimal"), {"value": serial}))
            if not serial and not values.get("token_serial"):
                problems.append(Issue(N_("an issued row names the certificate serial or the token serial")))
            if serial:
                end = _day(values.get("not_after", ""))
                if end is None:
                    problems.append(Issue(N_("valid-to date '{value}' is not a date (dd/mm/yyyy)"),
                                          {"value": values.get("not_after", "")}))
                else:
                    values["not_after"] = end + "T23:59:59Z"
                if serial in seen:
                    problems.append(Issue(N_("certificate {serial} is also on line {line}"),
                                          {"serial": serial, "line": seen[serial]}))
                seen[serial] = offset
        request_id = values.get("request_id", "").upper()
        if request_id:
            row.request = by_id.get(request_id)
            if row.request is None:
                problems.append(Issue(N_("no request {id}"), {"id": request_id}))
        elif national:
            found = submitted.get(national, [])
            if len(found) > 1:
                problems.append(Issue(N_("{count} submitted requests for citizen ID {value}: give the request id"),
                                      {"count": len(found), "value": national}))
            row.request = found[0] if len(found) == 1 else None
        elif tax_code:
            found = submitted.get("tax:" + tax_code, [])
            if len(found) > 1:
                problems.append(Issue(N_("{count} submitted requests for tax code {value}: give the request id"),
                                      {"count": len(found), "value": tax_code}))
            row.request = found[0] if len(found) == 1 else None
        if row.request is not None:
            if row.request["status"] != "submitted":
                problems.append(Issue(N_("request {id} is {status}, not submitted"),
                                      {"id": row.request["id"], "status": row.request["status"]}))
            elif national and row.request["national_id"] != national:
                problems.append(Issue(N_("request {id} is for another citizen ID"), {"id": row.request["id"]}))
        if row.request is None and (row.outcome != "issued" or not serial):
            problems.append(Issue(N_("no submitted request matches this row")))
        out.append(row)
    return out


def apply(ctx: WorkflowContext, rows: Sequence[DeliveryRow], source: str) -> tuple[int, int]:
    """Store the good rows: deliveries (one commit), then the requests they answer (one commit)."""
    deliveries: dict[str, dict[str, Any]] = {}
    moved: list[dict[str, Any]] = []
    for row in rows:
        v, request = row.values, row.request
        unit_id = str((request or {}).get("unit_id") or "")
        unit = str((request or {}).get("unit") or "")
        if row.outcome == "issued" and v.get("cert_serial"):
            deliveries[v["cert_serial"]] = {
                "cert_serial": v["cert_serial"], "not_after": v["not_after"], "name": v["name"],
                "national_id": v.get("national_id") or str((request or {}).get("national_id") or ""),
                "unit_id": unit_id, "unit": unit, "token_serial": v.get("token_serial", ""),
                "request_id": str((request or {}).get("id") or ""), "source": source, "line": row.line}
        if request is not None:
            extra: dict[str, Any] = {}
            if row.outcome == "issued":
                extra = {"new_cert_serial": v.get("cert_serial", ""), "new_not_after": v.get("not_after", "")}
                if v.get("token_serial"):
                    extra["token_serial"] = v["token_serial"]
            moved.append(requests.changed(ctx, request, row.outcome, v.get("note") or source, **extra))
    if deliveries:
        ctx.table(DELIVERIES).put_many(deliveries, ctx.operator.id)
    requests.save_many(ctx, moved)
    return len(deliveries), len(moved)


def import_delivery(ctx: WorkflowContext, path: Path, *, skip_invalid: bool = False) -> DeliveryReport:
    """Check the file; apply it when every row is good (or the good ones, ``skip_invalid``)."""
    checked = check_sheets(ctx, read_sheets(path))
    report = DeliveryReport(checked)
    if not checked:
        raise RenewalError("{file} has no data rows", file=path.name)
    if report.bad and not skip_invalid:
        return report
    report.applied, report.updated_requests = apply(ctx, report.good, path.name)
    return report

