"""Sign-in sheet and attendance list: numbered records, Decree-30 PDF, .xlsx."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpdesk_training.checkin import CheckInDesk
from helpdesk_training.model import Trainee, TrainingBook, TrainingError
from helpdesk_training.sheets import issue_sheet, write_xlsx
from openpyxl import load_workbook
from training_kit import CODE, PEOPLE, add_directory, make_class

from helpdesk.extension import FormSeal, WorkflowContext
from helpdesk.testing.pdftools import pdf_text


def _checked_in(ctx: WorkflowContext) -> CheckInDesk:
    add_directory(ctx.store)
    book = TrainingBook(ctx)
    make_class(book, sessions=("2018-05-10:sáng", "2018-05-10:chiều"))
    book.add_trainees(CODE, [Trainee(key=n, full_name=name, national_id=n, unit="Sở Nội vụ")
                             for name, n, _ in PEOPLE[:3]])
    desk = CheckInDesk(book, CODE, "1")
    desk.mark(desk.search("nguyen thi anh")[0], "search")
    desk.mark(desk.search(PEOPLE[4][1])[0], "search")  # a walk-in
    return desk


def test_attendance_list_pdf_and_xlsx_list_exactly_who_came(ctx: WorkflowContext, tmp_path: Path) -> None:
    desk = _checked_in(ctx)
    times = {a.full_name: a.time_text() for a in desk.book.attendance_of(CODE)}
    issued = issue_sheet(ctx, CODE, "attendance", "1")
    assert issued.number == "1/DS-SNV" and issued.count == 2
    path = tmp_path / "ds.pdf"
    path.write_bytes(issued.pdf)
    text = " ".join(pdf_text(path).split())  # names may wrap in their cells
    assert "DANH SÁCH HỌC VIÊN THAM DỰ LỚP TẬP HUẤN" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Số: 1/DS-SNV" in text and "Ký tên" in text
    assert "Nguyễn Thị Ánh Tuyết" in text and "Trương Minh Khôi" in text
    assert "Phạm Quốc Việt" not in text  # on the roster, absent
    for name, time in times.items():
        assert time in text, name
    assert "Học viên tự do" in text
    assert ctx.archive(issued.pdf, kind=issued.archive_kind, key=issued.record.id).read_bytes() == issued.pdf
    # the seal hashes the stored record
    [record] = ctx.store.records(type="training.sheet")
    assert FormSeal.for_record(record.id, record.to_dict()).display_hash in text
    book = load_workbook(write_xlsx(record, tmp_path / "ds.xlsx"))
    sheet = book.active
    assert sheet is not None
    rows = [r for r in sheet.iter_rows(min_row=6, values_only=True)]
    assert [(r[1], r[4]) for r in rows] == [(name, time) for name, time in times.items()]
    assert rows[1][5] == "Học viên tự do"


def test_blank_sheet_lists_the_roster_and_numbers_follow(ctx: WorkflowContext, tmp_path: Path) -> None:
    _checked_in(ctx)
    blank = issue_sheet(ctx, CODE, "blank")
    assert blank.number == "1/DS-SNV" and blank.count == 4  # three invited and the walk-in
    path = tmp_path / "blank.pdf"
    path.write_bytes(blank.pdf)
    text = " ".join(pdf_text(path).split())
    assert "DANH SÁCH KÝ TÊN HỌC VIÊN LỚP TẬP HUẤN" in text and "Phạm Quốc Việt" in text
    assert issue_sheet(ctx, CODE, "attendance").number == "2/DS-SNV"


def test_no_attendance_list_before_anyone_came(ctx: WorkflowContext) -> None:
    make_class(TrainingBook(ctx))
    with pytest.raises(TrainingError) as caught:
        issue_sheet(ctx, CODE, "attendance")
    assert caught.value.localized() == "Lớp TH-2018-01 chưa có ai điểm danh: chưa lập được danh sách tham dự"
    assert ctx.store.records(type="training.sheet") == []
