"""Counting a box: tokens seen (a plugin table, so a crash loses no scan), the
comparison with the delivery list, the numbered record and its printed report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from helpdesk.extension import FormDocument, Organisation, Printed, Record, Table, WorkflowContext

SERIES = "KK"  # kiểm kê
SCANS = "inventory.scans"


@dataclass(frozen=True)
class Comparison:
    expected: dict[str, str]  # serial -> holder, from the delivery list
    seen: tuple[str, ...]

    @property
    def missing(self) -> list[str]:
        return sorted(set(self.expected) - set(self.seen))

    @property
    def extra(self) -> list[str]:
        return sorted(set(self.seen) - set(self.expected))

    @property
    def matched(self) -> list[str]:
        return sorted(set(self.seen) & set(self.expected))


def scans(ctx: WorkflowContext) -> Table:
    return ctx.table(SCANS)


def note_scan(ctx: WorkflowContext, box: str, serial: str) -> bool:
    """Remember that ``serial`` was seen in ``box``; False if it was already."""
    serial = "".join(serial.split()).upper()  # as the delivery list writes it
    table = scans(ctx)
    key = f"{box}/{serial}"
    if key in table:
        return False
    table.put(key, {"box": box, "serial": serial, "time": ctx.now().isoformat()}, ctx.operator.id)
    return True


def seen_in(ctx: WorkflowContext, box: str) -> tuple[str, ...]:
    return tuple(sorted(row["serial"] for row in scans(ctx).find(box=box)))


def validate(payload: Mapping[str, Any]) -> list[str]:
    problems = []
    for key in ("box", "number"):
        if not isinstance(payload.get(key), str) or not payload[key]:
            problems.append(f"{key} is required")
    for key in ("missing", "extra", "matched"):
        if not isinstance(payload.get(key), list):
            problems.append(f"{key} must be a list")
    return problems


def save(ctx: WorkflowContext, box: str, comparison: Comparison, *, print_it: bool = True) -> tuple[Record, Printed]:
    """Blocking: a numbered record of the comparison, its report archived and printed."""
    with ctx.next_number(SERIES) as number:
        record = ctx.commit("inventory.count", None, {
            "box": box, "number": ctx.number_text(number), "seq": number.seq,
            "matched": comparison.matched, "missing": comparison.missing, "extra": comparison.extra,
        }, number=number)
    pdf = ctx.forms.render("inventory.report", record)
    if print_it:
        return record, ctx.print(pdf, kind="inventory", key=record.id, title=record.payload["number"])
    return record, Printed(ctx.archive(pdf, "inventory", record.id))


def build_report(org: Organisation, record: Record) -> FormDocument:
    p = record.payload
    doc = FormDocument(org, number=p["number"], title="BIÊN BẢN KIỂM KÊ THIẾT BỊ LƯU KHÓA BÍ MẬT",
                       date=date.fromisoformat(record.time[:10]))
    doc.paragraph(f"Hộp thiết bị: {p['box']}. Đúng danh sách: {len(p['matched'])}; "
                  f"thiếu: {len(p['missing'])}; thừa: {len(p['extra'])}.")
    rows = [[str(n), serial, "Thiếu (có trong danh sách, không có trong hộp)"] for n, serial in enumerate(p["missing"], 1)]
    rows += [[str(len(rows) + n), serial, "Thừa (có trong hộp, không có trong danh sách)"]
             for n, serial in enumerate(p["extra"], 1)]
    if rows:
        doc.table(["STT", "Số serial", "Tình trạng"], rows, col_widths=(0.6, 2.5, 5))
    doc.signatures([("Người kiểm kê", record.operator), ("Người chứng kiến", "")])
    return doc
