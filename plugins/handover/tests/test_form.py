"""The handover record PDF: content, Decree-30 page geometry, fonts, seal, batch form."""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from handover_kit import OPERATOR, sample_draft
from helpdesk_handover.form import FORM_NAME, seal_for
from helpdesk_handover.record import Giver, Recipient, commit_handovers, print_paper

from helpdesk.extension import FormSeal, Organisation, Record, WorkflowContext, content_hash
from helpdesk.testing.kit import Settings, TokenWorker, open_kiosk
from helpdesk.testing.pdftools import pdf_fonts, pdf_info, pdf_page_count, pdf_text, render_gray

ORG = Organisation(parent="UBND TỈNH HẬU GIANG", name="SỞ KHOA HỌC VÀ CÔNG NGHỆ", code="SKHCN", place="Vị Thanh")
MM = 72 / 25.4  # points per millimetre
# The seal as the Decree-30 layout draws it: a 15 mm QR code in the bottom right corner, inside the 15 mm margin.
QR_SIZE = 15 * MM
QR_X = 595.276 - 15 * MM - QR_SIZE


@pytest.fixture
def ctx(handover_plugin: str, settings: Settings, token_worker: TokenWorker) -> Iterator[WorkflowContext]:
    """A kiosk of another department (Hậu Giang): its organisation is on the paper."""
    kiosk = open_kiosk(dataclasses.replace(settings, organisation=ORG), worker=token_worker)
    try:
        yield kiosk.context(OPERATOR, None)
    finally:
        kiosk.close()


def one(ctx: WorkflowContext, **kwargs: Any) -> Record:
    record: Record = commit_handovers(ctx, [sample_draft(ctx.store, **kwargs)],
                                      Giver.from_settings(ctx.settings, OPERATOR.id, OPERATOR.name))[0]
    return record


def render(ctx: WorkflowContext, records: Record | list[Record]) -> bytes:
    return ctx.forms.render(FORM_NAME, records)  # through the registry, as the workflow does


@pytest.fixture
def record(ctx: WorkflowContext) -> Record:
    return one(ctx)


def test_the_record_holds_what_decree_30_article_32_asks(ctx: WorkflowContext, record: Record) -> None:
    pdf = render(ctx, record)
    text = pdf_text(pdf)
    flat = " ".join(text.split())
    for expected in ("UBND TỈNH HẬU GIANG", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "Số: 1/BB-SKHCN", "Vị Thanh, ngày",
                     "BIÊN BẢN BÀN GIAO THIẾT BỊ LƯU KHÓA BÍ MẬT VÀ CHỨNG THƯ SỐ",
                     "Bên giao (Bên A)", "Trần Văn Bình", "Bên nhận (Bên B)", "Nguyễn Văn Số A",
                     "Số định danh cá nhân: 092186000001", "nv1@cantho.gov.vn", "TK000001", "SoftHSM v2",
                     "10 01", "Chủ thể chứng thư", "Thời hạn hiệu lực", "cùng mã PIN", "giữ bí mật",
                     "báo ngay cho Bên A", "BÊN NHẬN", "BÊN GIAO", f"Mã hồ sơ: {record.id}"):
        assert expected in flat, expected
    assert pdf_page_count(pdf) == 1
    assert pdf_text(pdf, nfc=False) == text  # the PDF itself holds NFC text


def test_page_is_a4_with_decree_margins(ctx: WorkflowContext, record: Record, tmp_path: Path) -> None:
    pdf = render(ctx, record)
    assert pdf_info(pdf)["Page size"].startswith("595.276 x 841.89")
    assert {f.name.split("+")[-1] for f in pdf_fonts(pdf)} <= {"LiberationSerif", "LiberationSerif-Bold",
                                                              "LiberationSerif-Italic"}
    assert all(f.embedded for f in pdf_fonts(pdf))
    page = render_gray(pdf, dpi=110)
    assert abs(page.width - page.mm(210)) <= 1 and abs(page.height - page.mm(297)) <= 1  # A4, rounding
    left, right, top, bottom = page.mm(29), page.width - page.mm(14), page.mm(19), page.height - page.mm(19)
    assert page.dark_in(0, 0, left, page.height) == 0  # 30 mm binding margin
    assert page.dark_in(right, 0, page.width, page.height) == 0  # 15 mm
    assert page.dark_in(0, 0, page.width, top) == 0  # 20 mm
    # the bottom margin holds only the seal (QR in the right corner, its text beside it)
    seal_left = page.mm((QR_X / 72 * 25.4) - 75)
    assert page.dark_in(0, bottom, seal_left, page.height) == 0
    qr = (page.mm(QR_X / 72 * 25.4), page.height - page.mm(4 + QR_SIZE / 72 * 25.4))
    assert page.dark_in(qr[0], qr[1], qr[0] + page.mm(QR_SIZE / 72 * 25.4), page.height - page.mm(4)) > 200
    assert page.dark_in(left, top, right, bottom) > 20000  # and there is a form in between
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "110", "-png", "-singlefile", "-", str(png)], input=pdf, check=True)
    assert png.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_seal_ties_the_paper_to_the_stored_record(ctx: WorkflowContext, record: Record) -> None:
    text = pdf_text(render(ctx, record))
    seal = seal_for([record])
    assert seal == FormSeal.for_record(record.id, record.to_dict())
    stored = ctx.store.get(record.id)
    assert stored is not None and content_hash(stored.to_dict()) == seal.digest
    assert f"Mã kiểm tra: {seal.display_hash}" in text


def test_rendering_is_reproducible_so_a_reprint_archives_nothing_new(ctx: WorkflowContext, record: Record) -> None:
    assert render(ctx, record) == render(ctx, record)
    first = print_paper(ctx, [record], printer="")  # archived, then the printer is refused: none set
    again = print_paper(ctx, [record], printer="")
    assert first.error is not None and "Chưa cấu hình máy in" in first.error.localized()
    assert first.path == again.path and len(list(ctx.settings.archive_dir.rglob("*.pdf"))) == 1
    assert first.path.read_bytes() == render(ctx, record)


def test_proxy_and_override_are_on_the_paper(ctx: WorkflowContext) -> None:
    from helpdesk_handover.record import Override

    rec = one(ctx, recipient=Recipient("proxy", "Lâm Thị Ủy Quyền", "092186077777", "Văn thư",
                                                   "Văn phòng Sở", "", "Giấy ủy quyền số 12/GUQ ngày 20/11/2026"),
              failed_checks=("certificate_unit",), override=Override("admin-hoa", "Đơn vị đã đổi tên"))
    flat = " ".join(pdf_text(render(ctx, rec)).split())
    assert "Người nhận thay: Lâm Thị Ủy Quyền" in flat and "Giấy ủy quyền số 12/GUQ" in flat
    assert "quản trị viên admin-hoa: Đơn vị đã đổi tên" in flat


def test_batch_form_lists_every_token_of_the_unit(ctx: WorkflowContext) -> None:
    rep = Recipient("proxy", "Đoàn Văn Đại Diện", "092186099999", "Chánh Văn phòng", "", "",
                    "Giấy giới thiệu số 45/GGT")
    drafts = [sample_draft(ctx.store, n, recipient=rep, identity="checked") for n in range(1, 13)]
    records = commit_handovers(ctx, drafts, Giver("op", "Trần Văn Bình", "Chuyên viên", "Sở Nội vụ"))
    pdf = render(ctx, records)
    text = pdf_text(pdf)
    flat = "".join(text.split())
    assert all(f"TK{n:06d}" in flat for n in range(1, 13))
    assert "Người đại diện nhận: Đoàn Văn Đại Diện" in " ".join(text.split())
    assert pdf_page_count(pdf) == 2 and "Văn bản gồm 2 trang" in text
    assert f"Mã hồ sơ: {records[0].payload['batch']['id']}" in text
