"""Fixtures for the handover plugin: a kiosk wired with the plugin, rosters, provisioned tokens."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import helpdesk_handover.plugin
import pytest

from helpdesk.extension import OperatorRef, TokenInfo, WorkflowContext
from helpdesk.testing import rosters
from helpdesk.testing.ca import TestCA
from helpdesk.testing.fixtures_e2e import wait_until as e2e_wait_until
from helpdesk.testing.kit import (
    Kiosk,
    Settings,
    TokenWorker,
    add_catalog_dir,
    load_settings,
    open_kiosk,
)
from helpdesk.testing.rosters import nfd as nfd  # the tests import it from here
from helpdesk.testing.softhsm import Issued, SoftHSMStore

OPERATOR = OperatorRef("op-binh", "Trần Văn Bình", "operator")
ADMIN = OperatorRef("admin-hoa", "Lê Thị Hoa", "admin")

TITLE = "DANH SÁCH THUÊ BAO ĐỀ NGHỊ CẤP CHỨNG THƯ SỐ"
HEADERS = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Đơn vị", "Số định danh cá nhân (CCCD/CMND)",
           "Email công vụ", "Điện thoại", "Loại chứng thư", "Số hiệu thiết bị", "Số hiệu chứng thư"]


def roster_row(name: str, national_id: Any, unit: str = "Sở Nội vụ", token: str | None = None, *,
               position: str = "Kế toán trưởng", email: str | None = None, cert: str | None = None,
               birth: Any = "12/05/1980", kind: str = "Cá nhân", phone: Any = "0912345678") -> list[Any]:
    return ["1", name, birth, position, unit, national_id, email or f"u{str(national_id)[-4:]}@cantho.gov.vn", phone,
            kind, token, cert]


def write_xlsx(path: Path, rows: list[list[Any]], headers: list[str] = HEADERS, title: bool = True) -> Path:
    """A Mẫu 01 workbook; offices put a title above the table (``title``)."""
    return rosters.write_xlsx(path, rows, headers, TITLE if title else None)


def write_csv(path: Path, rows: list[list[Any]], headers: list[str] = HEADERS, delimiter: str = ",",
              bom: bool = False) -> Path:
    return rosters.write_csv(path, rows, headers, delimiter, bom)


@pytest.fixture
def handover_plugin(register_plugin: Callable[..., str]) -> str:
    return register_plugin(helpdesk_handover.plugin, "handover")


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def kiosk(handover_plugin: str, settings: Settings, token_worker: TokenWorker) -> Iterator[Kiosk]:
    with open_kiosk(settings, worker=token_worker) as opened:
        yield opened


@pytest.fixture
def ctx(kiosk: Kiosk) -> WorkflowContext:
    """What a workflow gets: the kiosk's context for OPERATOR (no token)."""
    return kiosk.context(OPERATOR, None)


@pytest.fixture
def issue(softhsm: SoftHSMStore, test_ca: TestCA) -> Callable[..., Issued]:
    """``issue(name, national_id, organisation=…, inserted=…, **add_identity kwargs)``: a token
    holding a test-CA certificate."""
    return functools.partial(softhsm.issue, test_ca)


def read_token(kiosk: Kiosk, serial: str) -> TokenInfo:
    return kiosk.worker.identify(serial).result(timeout=30)


#: The app under Pilot until a condition holds; the screens here get 30 s (token jobs, printing).
wait_until = functools.partial(e2e_wait_until, timeout=30.0)


@pytest.fixture(autouse=True)
def handover_catalog() -> None:
    """The plugin's Vietnamese catalog, also for tests that do not build a kiosk."""
    add_catalog_dir(helpdesk_handover.plugin.LOCALE)


def sample_token(serial: str = "0a1b2c3d4e5f6789", cn: str = "Nguyễn Thị Ánh Tuyết", cert_serial: str = "1001",
                 days: int = 1000) -> TokenInfo:
    """A token as the worker reports it (plain facts; for record and form tests without a token)."""
    from datetime import timedelta, timezone

    from helpdesk.extension import CertInfo, Name, TokenFlags

    now = datetime.now(timezone.utc)
    cert = CertInfo(label=cn, key_id="01", subject=Name(f"CN={cn},O=Sở Nội vụ thành phố Cần Thơ",
                                                        {"CN": cn, "O": "Sở Nội vụ thành phố Cần Thơ"}),
                    issuer=Name("CN=CA thử nghiệm", {"CN": "CA thử nghiệm"}), serial=cert_serial,
                    not_before=now - timedelta(days=1), not_after=now + timedelta(days=days),
                    fingerprint_sha256="ab" * 32, has_private_key=None, key_matches=True)
    return TokenInfo(serial=serial, label="VGCA Token", manufacturer="SoftHSM project", model="SoftHSM v2",
                     module="softhsm", flags=TokenFlags(token_initialized=True), certificates=(cert,))


def sample_draft(store: Any, n: int = 1, unit: str = "snv", **kwargs: Any) -> Any:
    """Roster row ``n`` (added to ``store`` if missing) and a token for it, as a Draft."""
    from helpdesk_handover.record import Draft

    national = f"0921860{n:05d}"
    found = store.subscribers.by_national_id(national)
    if store.units.get(unit) is None:
        store.units.add({"id": unit, "name": "Sở Nội vụ", "level": "so_ban_nganh"}, "test")
    holder = found[0] if found else store.subscribers.add(
        {"full_name": f"Nguyễn Văn Số {chr(64 + n)}", "national_id": national, "unit_id": unit,
         "position": "Chuyên viên", "email": f"nv{n}@cantho.gov.vn", "token_serial": f"TK{n:06d}"}, "test")
    token = sample_token(serial=f"TK{n:06d}", cn=holder.full_name, cert_serial=f"{0x1000 + n:X}")
    return Draft(holder, store.units.get(unit), token, token.certificates[0], kwargs.pop("identity", "typed"),
                 **kwargs)
