"""Unlock requests (Mẫu 06): open list per unit, PDF and xlsx, and the command line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pkcs11.exceptions as p11e
from helpdesk_pin_unlock.requests import open_requests, request_list_pdf, request_list_xlsx
from helpdesk_pin_unlock.rules import IdentityCheck, unlock_settings
from helpdesk_pin_unlock.service import PinService
from pin_unlock_kit import Desk, make_desk

from helpdesk.extension import Secret
from helpdesk.testing.kit import InjectedFault, load_settings
from helpdesk.testing.pdftools import pdf_fonts, pdf_text

CONTACT = """
[pin_unlock.contact]
name = "Trần Văn Bình"
national_id = "092080001234"
id_issued_on = "01/02/2021"
id_issued_at = "Cục Cảnh sát QLHC về TTXH"
position = "Chuyên viên"
agency = "Sở Nội vụ thành phố Cần Thơ"
phone = "0912345678"
"""


def request(desk: Desk, reason: str = "so_pin_locked") -> Any:
    service = PinService(desk.context())
    token = service.read(desk.token.serial)
    return service.request_return(token, service.holder(token), reason)


def test_open_requests_by_unit_latest_once_and_closed_by_an_unlock(kiosk: Any, softhsm: Any, test_ca: Any) -> None:
    first = make_desk(kiosk, softhsm, test_ca)
    second = make_desk(kiosk, softhsm, test_ca, subscriber_id="sb-hung", national_id="092186004321",
                       name="Phạm Quốc Hùng")
    kiosk.store.subscribers.update("sb-hung", {"unit_id": "snv"}, "test")
    request(first, "so_pin_not_held")
    request(first, "so_pin_locked")  # asked twice: listed once
    request(second)
    assert [(r.token_serial, r.reason) for r in open_requests(kiosk.store, "p-tanan")] == [
        (first.token.serial, "so_pin_locked")]
    assert [r.cert_name for r in open_requests(kiosk.store, "snv")] == ["Phạm Quốc Hùng"]
    assert len(open_requests(kiosk.store)) == 2

    # The token came back from the issuer and was unlocked here later: no longer open.
    service = PinService(first.context())
    token = service.read(first.token.serial)
    assert service.unlock(token, service.holder(token), IdentityCheck("national_id"), Secret("13579135"),
                          Secret("582039"), Secret("582039")).ok
    assert open_requests(kiosk.store, "p-tanan") == []
    # A voided request is not open either.
    kiosk.store.void(open_requests(kiosk.store, "snv")[0].record_id, "Nhập nhầm", "test")
    assert open_requests(kiosk.store) == []


def test_mau06_pdf_and_xlsx(kiosk: Any, desk: Desk, settings_text: Any) -> None:
    settings_text(CONTACT)
    settings = load_settings()
    request(desk)
    found = open_requests(kiosk.store, "p-tanan")
    pdf = request_list_pdf(settings.organisation, unlock_settings(settings), "UBND phường Tân An", found,
                           date(2026, 3, 9))
    text = " ".join(pdf_text(pdf).split())
    for expected in ("ĐỀ NGHỊ KHÔI PHỤC THIẾT BỊ LƯU KHÓA BÍ MẬT", "Đơn vị: UBND phường Tân An",
                     "Kính gửi: Cục Chứng thực số và Bảo mật thông tin", "Trần Văn Bình", "092080001234",
                     "01/02/2021, Cục Cảnh sát QLHC về TTXH", "0912345678", "Số hiệu thiết bị lưu khóa bí mật",
                     "Thông tin thuê bao", desk.token.serial, "Nguyễn Thị Ánh Tuyết", "tuyetnta@cantho.gov.vn",
                     "Tổng số: 1 thiết bị", "THỦ TRƯỞNG CƠ QUAN", "ngày 09 tháng 3 năm 2026"):
        assert expected in text, expected
    assert all(f.embedded for f in pdf_fonts(pdf))

    book = openpyxl.load_workbook(filename=io.BytesIO(
        request_list_xlsx(settings.organisation, unlock_settings(settings), "UBND phường Tân An", found,
                          date(2026, 3, 9))))
    sheet = book["Mẫu 06"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == "STT")
    assert rows[header][:3] == ("STT", "Số hiệu thiết bị lưu khóa bí mật", "Thông tin thuê bao")
    assert rows[header + 1][2:5] == ("Tên chứng thư", "Cơ quan, tổ chức công tác", "Địa chỉ thư điện tử công vụ")
    assert rows[header + 2][:5] == (1, desk.token.serial, "Nguyễn Thị Ánh Tuyết", "UBND phường Tân An",
                                    "tuyetnta@cantho.gov.vn")
    assert ("Họ và tên", "Trần Văn Bình") in [tuple(r[:2]) for r in rows]


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HELPDESK_HOME": str(home), "HELPDESK_PLUGINS_BLOCK": ""}
    return subprocess.run([sys.executable, "-m", "helpdesk.cli", *args], capture_output=True, text=True,
                          env=env, timeout=60, cwd=home)


def test_hook_register_commands_unlock_requests_export(kiosk: Any, desk: Desk, helpdesk_home: Path,
                                                       settings_text: Any) -> None:
    settings_text(CONTACT)
    desk.kiosk.worker.inject_fault(desk.token.serial, InjectedFault(flags={"so_pin_locked": True},
                                                                    so_login_error=p11e.PinLocked)).result(5)
    request(desk)
    listed = _cli(helpdesk_home, "unlock-requests", "list")
    assert listed.returncode == 0, listed.stderr
    assert desk.token.serial in listed.stdout and "UBND phường Tân An" in listed.stdout

    out = helpdesk_home / "mau06.pdf"
    done = _cli(helpdesk_home, "unlock-requests", "export", "--unit", "p-tanan", "--format", "pdf", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "Đã ghi 1 đề nghị" in done.stdout
    assert desk.token.serial in pdf_text(out)
    xlsx = _cli(helpdesk_home, "unlock-requests", "export", "--unit", "p-tanan", "--format", "xlsx")
    assert xlsx.returncode == 0, xlsx.stderr
    assert len(list(helpdesk_home.glob("mau06-p-tanan-*.xlsx"))) == 1

    none = _cli(helpdesk_home, "unlock-requests", "export", "--unit", "snv")
    assert none.returncode == 2 and "không có đề nghị khôi phục" in none.stderr
    bad = _cli(helpdesk_home, "unlock-requests", "export", "--unit", "khong-co")
    assert bad.returncode == 2 and "Không có đơn vị" in bad.stderr
