"""The handover record PDF: content, Decree-30 page geometry, fonts, seal, batch form."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from handover_kit import OPERATOR, sample_draft
from helpdesk_handover.form import FORM_NAME, render, seal_for
from helpdesk_handover.record import Giver, Recipient, commit_handovers
from helpdesk_handover.service import produce

from helpdesk.config import Organisation, Settings
from helpdesk.forms import FormSeal, content_hash
from helpdesk.forms.layout import QR_SIZE, QR_X
from helpdesk.kiosk import Kiosk
from helpdesk.store import Record
from helpdesk.testing.pdftools import pdf_fonts, pdf_info, pdf_page_count, pdf_text, render_gray

ORG = Organisation(parent="UBND TỈNH HẬU GIANG", name="SỞ KHOA HỌC VÀ CÔNG NGHỆ", code="SKHCN", place="Vị Thanh")


def one(kiosk: Kiosk, settings: Settings, **kwargs: object) -> Record:
    return commit_handovers(kiosk.store, [sample_draft(kiosk.store, **kwargs)],
                            Giver.from_settings(settings, OPERATOR.id, OPERATOR.name), ORG)[0]


@pytest.fixture
def record(kiosk: Kiosk, settings: Settings) -> Record:
    return one(kiosk, settings)


def test_the_record_holds_what_decree_30_article_32_asks(record: Record) -> None:
    pdf = render(ORG, record)
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


def test_page_is_a4_with_decree_margins(record: Record, tmp_path: Path) -> None:
    pdf = render(ORG, record)
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


def test_seal_ties_the_paper_to_the_stored_record(kiosk: Kiosk, record: Record) -> None:
    text = pdf_text(render(ORG, record))
    seal = seal_for([record])
    assert seal == FormSeal.for_record(record.id, record.to_dict())
    stored = kiosk.store.get(record.id)
    assert stored is not None and content_hash(stored.to_dict()) == seal.digest
    assert f"Mã kiểm tra: {seal.display_hash}" in text


def test_rendering_is_reproducible_so_a_reprint_archives_nothing_new(record: Record, settings: Settings) -> None:
    assert render(ORG, record) == render(ORG, record)
    first = produce(settings, [record], print_it=False)
    again = produce(settings, [record], print_it=False)
    assert first.path == again.path and len(list(settings.archive_dir.rglob("*.pdf"))) == 1


def test_proxy_and_override_are_on_the_paper(kiosk: Kiosk, settings: Settings) -> None:
    from helpdesk_handover.record import Override

    rec = one(kiosk, settings, recipient=Recipient("proxy", "Lâm Thị Ủy Quyền", "092186077777", "Văn thư",
                                                   "Văn phòng Sở", "", "Giấy ủy quyền số 12/GUQ ngày 20/11/2026"),
              failed_checks=("certificate_unit",), override=Override("admin-hoa", "Đơn vị đã đổi tên"))
    flat = " ".join(pdf_text(render(ORG, rec)).split())
    assert "Người nhận thay: Lâm Thị Ủy Quyền" in flat and "Giấy ủy quyền số 12/GUQ" in flat
    assert "quản trị viên admin-hoa: Đơn vị đã đổi tên" in flat


def test_batch_form_lists_every_token_of_the_unit(kiosk: Kiosk, settings: Settings) -> None:
    rep = Recipient("proxy", "Đoàn Văn Đại Diện", "092186099999", "Chánh Văn phòng", "", "",
                    "Giấy giới thiệu số 45/GGT")
    drafts = [sample_draft(kiosk.store, n, recipient=rep, identity="checked") for n in range(1, 13)]
    records = commit_handovers(kiosk.store, drafts, Giver("op", "Trần Văn Bình", "Chuyên viên", "Sở Nội vụ"), ORG)
    pdf = kiosk.forms.render(FORM_NAME, ORG, records)  # through the forms hook's registry
    text = pdf_text(pdf)
    flat = "".join(text.split())
    assert all(f"TK{n:06d}" in flat for n in range(1, 13))
    assert "Người đại diện nhận: Đoàn Văn Đại Diện" in " ".join(text.split())
    assert pdf_page_count(pdf) == 2 and "Văn bản gồm 2 trang" in text
    assert f"Mã hồ sơ: {records[0].payload['batch']['id']}" in text
