"""Sign-in sheet (before the class) and attendance list (after it), as PDF and .xlsx.

Each sheet is a numbered record (``training.sheet``, series ``DS``: "3/DS-SNV") whose
payload holds exactly the lines printed, so the QR seal on the paper checks against the
store. The PDF is the registered form ``training.sheet`` in the Decree-30 layout
(:class:`FormDocument`) with a signature column; the .xlsx is the same lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from helpdesk.extension import FormDocument, FormSeal, Record, Signer, fold
from helpdesk_training.model import Attendance, TrainingBook, TrainingClass, TrainingError

if TYPE_CHECKING:
    from helpdesk.extension import Organisation, WorkflowContext

FORM = "training.sheet"
RECORD_TYPE = "training.sheet"
SERIES = "DS"  # danh sách
Kind = Literal["blank", "attendance"]
KINDS: tuple[Kind, ...] = ("blank", "attendance")
TITLES = {
    "blank": "Danh sách ký tên học viên lớp tập huấn",
    "attendance": "Danh sách học viên tham dự lớp tập huấn",
}
HEADERS = ("STT", "Họ và tên", "Đơn vị", "Số định danh", "Giờ điểm danh", "Ghi chú", "Ký tên")  # .xlsx
PDF_HEADERS = ("STT", "Họ và tên", "Đơn vị", "Giờ điểm danh", "Ghi chú", "Ký tên")  # no room for the ID on A4
WALK_IN_NOTE = "Học viên tự do"
PIN_NOTE = "Đã xác thực PIN"


@dataclass(frozen=True)
class SheetLine:
    n: int
    full_name: str
    unit: str
    national_id: str
    times: str  # "08:02" or "B1 08:02; B2 13:30"; "" on a blank sheet
    note: str

    def cells(self) -> list[Any]:
        return [self.n, self.full_name, self.unit, self.national_id, self.times, self.note, ""]


def _times(entries: Sequence[Attendance], many_sessions: bool) -> str:
    ordered = sorted(entries, key=lambda e: (e.session, e.at))
    if not many_sessions:
        return "; ".join(e.time_text() for e in ordered)
    return "; ".join(f"B{e.session} {e.time_text()}" for e in ordered)


def sheet_lines(book: TrainingBook, cls: TrainingClass, kind: Kind, session: str | None) -> list[SheetLine]:
    """The lines of a sheet: the roster (blank) or who was present (attendance)."""
    roster = book.roster_of(cls.code)
    if kind == "blank":
        people = sorted(roster, key=lambda t: (fold(t.full_name.split()[-1] if t.full_name else ""),
                                               fold(t.full_name)))
        return [SheetLine(i, t.full_name, t.unit, t.national_id, "", WALK_IN_NOTE if t.walk_in else "")
                for i, t in enumerate(people, 1)]
    entries = book.attendance_of(cls.code, session)
    by_trainee: dict[str, list[Attendance]] = {}
    for e in entries:
        by_trainee.setdefault(e.trainee, []).append(e)
    many = session is None and len(cls.sessions) > 1
    lines: list[SheetLine] = []
    for group in sorted(by_trainee.values(), key=lambda g: min(e.at for e in g)):
        first = group[0]
        notes = [WALK_IN_NOTE] if any(e.walk_in for e in group) else []
        if any(e.pin_proof for e in group):
            notes.append(PIN_NOTE)
        lines.append(SheetLine(len(lines) + 1, first.full_name, first.unit, first.national_id,
                               _times(group, many), "; ".join(notes)))
    return lines


def validate_payload(payload: Mapping[str, Any]) -> list[str]:
    """The ``training.sheet`` record type's validator."""
    problems = []
    if payload.get("kind") not in KINDS:
        problems.append("kind must be blank or attendance")
    for key in ("class", "title", "number", "date"):
        if not isinstance(payload.get(key), str) or not payload[key]:
            problems.append(f"{key} is required")
    if not isinstance(payload.get("lines"), list):
        problems.append("lines must be a list")
    return problems


def _payload(cls: TrainingClass, kind: Kind, session: str | None, lines: Sequence[SheetLine], number: str,
             day: date) -> dict[str, Any]:
    sessions = [cls.session(session)] if session else list(cls.sessions)
    return {
        "kind": kind, "class": cls.code, "title": cls.title, "number": number, "date": day.isoformat(),
        "session": session or "", "sessions": [s.label() for s in sessions], "venue": cls.venue,
        "trainers": list(cls.trainers), "capacity": cls.capacity,
        "lines": [{"n": x.n, "full_name": x.full_name, "unit": x.unit, "national_id": x.national_id,
                   "times": x.times, "note": x.note} for x in lines],
    }


def build_form(org: Organisation, record: Any) -> FormDocument:
    """The registered form ``training.sheet`` for a ``training.sheet`` record."""
    if not isinstance(record, Record) or record.type != RECORD_TYPE:
        raise TypeError("the training sheet form needs a training.sheet Record")
    p = record.payload
    kind = p["kind"]
    doc = FormDocument(org, number=p["number"], title=TITLES[kind], subtitle=f"Lớp: {p['title']}",
                       date=date.fromisoformat(p["date"]))
    doc.fields([
        ("Mã lớp", p["class"]),
        ("Thời gian", "; ".join(p["sessions"])),
        ("Địa điểm", p["venue"] or "…"),
        ("Giảng viên", ", ".join(p["trainers"]) or "…"),
    ])
    rows = [[x["n"], x["full_name"], x["unit"], x["times"], x["note"], ""] for x in p["lines"]]
    if kind == "blank":
        rows += [[len(rows) + i, "", "", "", "", ""] for i in range(1, 4)]  # room for walk-ins
    doc.table(list(PDF_HEADERS), rows, col_widths=(10, 40, 36, 20, 22, 22),
              align=("center", "left", "left", "center", "left", "center"))
    count = len(p["lines"])
    if kind == "attendance":
        walk_ins = sum(1 for x in p["lines"] if WALK_IN_NOTE in x["note"])
        doc.paragraph(f"Tổng số học viên tham dự: {count:02d} người (trong đó {walk_ins:02d} học viên tự do, "
                      f"không có trong danh sách triệu tập); số học viên theo kế hoạch: {p['capacity']:02d}.")
    else:
        doc.paragraph(f"Danh sách gồm {count:02d} học viên được triệu tập. Học viên ký tên khi đến lớp; học viên "
                      "tự do ghi thêm vào cuối danh sách.")
    trainer = p["trainers"][0] if p["trainers"] else ""
    doc.signatures([Signer("Người lập danh sách", ""), Signer("Giảng viên", trainer)])
    doc.qr(FormSeal.for_record(record.id, record.to_dict()))
    return doc


def write_xlsx(record: Record, path: Path) -> Path:
    """The same lines as the PDF, in a workbook (title rows, then a header row)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    p = record.payload
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sach"
    sheet.append([TITLES[p["kind"]].upper()])
    sheet["A1"].font = Font(bold=True)
    sheet.append([f"Lớp: {p['title']} ({p['class']}) — Số: {p['number']}"])
    sheet.append([f"Thời gian: {'; '.join(p['sessions'])} — Địa điểm: {p['venue']}"])
    sheet.append([])
    sheet.append(list(HEADERS))
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for x in p["lines"]:
        sheet.append([x["n"], x["full_name"], x["unit"], x["national_id"], x["times"], x["note"], ""])
    for column, width in zip("ABCDEFG", (6, 30, 30, 16, 16, 22, 16), strict=True):
        sheet.column_dimensions[column].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


@dataclass(frozen=True)
class IssuedSheet:
    record: Record
    pdf: bytes

    @property
    def archive_kind(self) -> str:
        return f"training-{self.record.payload['kind']}"

    @property
    def number(self) -> str:
        return str(self.record.payload["number"])

    @property
    def count(self) -> int:
        return len(self.record.payload["lines"])


def issue_sheet(ctx: WorkflowContext, code: str, kind: Kind, session: str | None = None) -> IssuedSheet:
    """Number the sheet, commit its record, render the PDF (blocking). Archive it with
    ``ctx.archive`` (or print it with ``ctx.print``, which archives first)."""
    if kind not in KINDS:
        raise TrainingError("Unknown sheet kind {kind}: use blank or attendance", kind=kind)
    book = TrainingBook(ctx)
    cls = book.get_class(code)
    if session:
        cls.session(session)  # refuses an unknown session
    lines = sheet_lines(book, cls, kind, session)
    if kind == "attendance" and not lines:
        raise TrainingError("Nobody has checked in at class {code} yet: no attendance list to make", code=code)
    day = ctx.now().date()
    with ctx.next_number(SERIES, day.year) as n:
        number = ctx.number_text(n)
        record = ctx.commit(RECORD_TYPE, None, _payload(cls, kind, session, lines, number, day), number=n)
    return IssuedSheet(record, ctx.forms.render(FORM, record))
