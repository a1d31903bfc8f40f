"""Unlock and PIN change through the plugin's service, on real SoftHSM2 tokens.

States SoftHSM2 never reaches (FINAL_TRY, LOCKED) come from FAULT INJECTION at the
token worker's boundary; those tests say so in their names, and every token call in
them other than the injected flag or log-in error runs for real.
"""

from __future__ import annotations

import threading
from typing import Any

import pkcs11.exceptions as p11e
import pytest
from helpdesk_pin_unlock import records
from helpdesk_pin_unlock.plugin import WORKFLOWS
from helpdesk_pin_unlock.requests import open_requests
from helpdesk_pin_unlock.rules import IdentityCheck, IdentityError, SoPinUnavailable
from helpdesk_pin_unlock.service import PinService
from pin_unlock_kit import ADMIN, HOLDER_ID, Desk, PauseAtSoLogin, make_desk

from helpdesk import hookimpl
from helpdesk.extension import (
    PinIncorrect,
    PinLocked,
    PinPolicyError,
    PrintError,
    Problem,
    RecordRefused,
    Secret,
    TokenRemovedError,
    Workflow,
)
from helpdesk.testing.kit import InjectedFault
from helpdesk.testing.pdftools import pdf_page_count, pdf_text

BY_ID = IdentityCheck("national_id")


def service_for(desk: Desk, operator: Any = None) -> tuple[PinService, Any, Any]:
    ctx = desk.context(operator) if operator else desk.context()
    service = PinService(ctx, timeout=20)
    return service, ctx.token, service.holder(ctx.token)


def attempts(desk: Desk) -> list[Any]:
    return desk.kiosk.store.records(records.ATTEMPT)


def verifies(desk: Desk, pin: str) -> bool:
    try:
        desk.kiosk.worker.verify_pin(desk.token.serial, Secret(pin)).result(10)
    except PinIncorrect:
        return False
    return True


def test_wrong_user_pins_then_unlock_with_so_pin_then_new_pin_logs_in(desk: Desk) -> None:
    for _ in range(3):
        assert not verifies(desk, "000000")
    service, token, holder = service_for(desk)
    assert token.flags.user_pin_state == "count_low"

    identity = service.check_identity(token, holder, "0921 8600 1234")
    outcome = service.unlock(token, holder, identity, Secret("13579135"), Secret("582039"), Secret("582039"))

    assert outcome.ok and outcome.error is None
    assert verifies(desk, "582039") and not verifies(desk, "246810")
    record = outcome.record
    assert record.type == records.ATTEMPT and record.subject.token_serial == desk.token.serial
    assert record.subject.subscriber_id == "sb-tuyet"
    p = record.payload
    assert (p["action"], p["outcome"], p["identity"]["method"]) == ("unlock", "success", "national_id")
    assert p["state_before"] == {"user_pin_state": "count_low", "so_pin_state": "ok"}
    assert p["state_after"] == {"user_pin_state": "ok", "so_pin_state": "ok"}
    assert p["receipt_seq"] == 1 and p["holder"]["unit"] == "UBND phường Tân An"
    # No printer configured: the receipt is archived all the same, and the operator is told.
    assert outcome.receipt is not None and outcome.receipt.is_file()
    assert isinstance(outcome.print_error, PrintError)
    text = " ".join(pdf_text(outcome.receipt).split())
    assert pdf_page_count(outcome.receipt) == 1
    assert "PHIẾU XÁC NHẬN KHÔI PHỤC MẬT KHẨU THIẾT BỊ LƯU KHÓA" in text
    assert "Số: 1/PXN-SNV" in text and desk.token.serial in text
    assert "Nguyễn Thị Ánh Tuyết" in text and "đã nhập sai, còn ít lần thử" in text
    assert "đã đối chiếu số định danh cá nhân" in text
    assert record.id in text  # the seal ties the paper to the record


def test_receipts_are_numbered_per_year(desk: Desk) -> None:
    service, token, holder = service_for(desk)
    first = service.unlock(token, holder, BY_ID, Secret("13579135"), Secret("582039"), Secret("582039"))
    second = service.unlock(token, holder, BY_ID, Secret("13579135"), Secret("730194"), Secret("730194"))
    assert (first.record.payload["receipt_seq"], second.record.payload["receipt_seq"]) == (1, 2)
    assert "Số: 2/PXN-SNV" in pdf_text(second.receipt)


def test_wrong_so_pin_is_recorded_and_the_state_after_is_read_from_the_token(desk: Desk) -> None:
    service, token, holder = service_for(desk)
    outcome = service.unlock(token, holder, BY_ID, Secret("99999999"), Secret("582039"), Secret("582039"))
    assert outcome.outcome == "so_pin_incorrect" and isinstance(outcome.error, PinIncorrect)
    now = desk.info().flags
    assert outcome.record.payload["state_after"] == {"user_pin_state": now.user_pin_state,
                                                     "so_pin_state": now.so_pin_state}
    assert now.so_pin_count_low  # SoftHSM2 sets it after a wrong SO PIN
    assert outcome.receipt is None and "SO PIN" in outcome.record.payload["error"]
    assert verifies(desk, "246810")  # nothing changed
    # The failed SO log-in left no session behind: the next unlock works.
    assert service.unlock(token, holder, BY_ID, Secret("13579135"), Secret("582039"), Secret("582039")).ok


def test_policy_is_checked_before_the_token_is_touched(desk: Desk) -> None:
    service, token, holder = service_for(desk)
    for new, again in (("582039", "582093"), ("111111", "111111"), ("1234", "1234")):
        with pytest.raises(PinPolicyError):
            service.unlock(token, holder, BY_ID, Secret("99999999"), Secret(new), Secret(again))
    assert attempts(desk) == []
    assert not desk.info().flags.so_pin_count_low  # no SO try spent


def test_change_pin_with_the_old_pin(desk: Desk) -> None:
    service, token, holder = service_for(desk)
    wrong = service.change(token, holder, Secret("000000"), Secret("582039"), Secret("582039"))
    assert wrong.outcome == "pin_incorrect"
    assert wrong.record.payload["state_after"]["user_pin_state"] == "count_low"
    with pytest.raises(PinPolicyError):
        service.change(token, holder, Secret("246810"), Secret("246810"), Secret("246810"))
    with pytest.raises(PinPolicyError):
        service.change(token, holder, Secret("246810"), Secret("777777"), Secret("777777"))

    done = service.change(token, holder, Secret("246810"), Secret("582039"), Secret("582039"))
    assert done.ok and done.record.payload["identity"]["method"] == "old_pin"
    assert done.record.payload["state_after"]["user_pin_state"] == "ok"
    assert verifies(desk, "582039") and not verifies(desk, "246810")
    assert [r.payload["outcome"] for r in attempts(desk)] == ["pin_incorrect", "success"]


def test_identity_mismatch_is_recorded_and_override_needs_an_admin_and_a_reason(desk: Desk) -> None:
    service, token, holder = service_for(desk)
    with pytest.raises(IdentityError) as caught:
        service.check_identity(token, holder, "092186009999")
    assert "không khớp" in caught.value.localized()
    assert [r.payload["outcome"] for r in attempts(desk)] == ["identity_mismatch"]
    with pytest.raises(IdentityError):
        service.check_identity(token, holder, "")
    with pytest.raises(IdentityError):
        service.override_identity("quên giấy tờ, đã gọi xác nhận")  # an operator, not an admin

    admin, token, holder = service_for(desk, ADMIN)
    with pytest.raises(IdentityError):
        admin.override_identity("ngắn")
    identity = admin.override_identity("Quên CCCD; thủ trưởng đơn vị đã gọi điện xác nhận")
    outcome = admin.unlock(token, holder, identity, Secret("13579135"), Secret("582039"), Secret("582039"))
    assert outcome.ok and outcome.record.operator == "admin-lan"
    assert outcome.record.payload["identity"] == {"method": "admin_override",
                                                  "override_reason": "Quên CCCD; thủ trưởng đơn vị đã gọi điện xác nhận"}
    assert "quản trị viên xác nhận thay" in " ".join(pdf_text(outcome.receipt).split())


def test_no_subscriber_record_means_no_id_check(kiosk: Any, softhsm: Any, test_ca: Any) -> None:
    desk = make_desk(kiosk, softhsm, test_ca)
    stranger = softhsm.create_token(label="Lạ")
    service, _token, _holder = service_for(desk)
    token = kiosk.worker.identify(stranger.serial).result(10)
    holder = service.holder(token)
    assert holder.subscriber is None
    with pytest.raises(IdentityError) as caught:
        service.check_identity(token, holder, HOLDER_ID)
    assert "Không có hồ sơ thuê bao" in caught.value.localized()
    assert attempts(desk) == []


class LockedUntilInitPin(InjectedFault):
    """FAULT INJECTION: a user PIN reported locked (flag and C_Login answer) until an SO
    log-in goes through, as a real token clears the lock at C_InitPIN."""

    def __init__(self) -> None:
        super().__init__()
        self.locked = True

    @property  # type: ignore[override]
    def flags(self) -> dict[str, bool]:
        return {"user_pin_locked": True} if self.locked else {}

    @flags.setter
    def flags(self, value: dict[str, bool]) -> None:
        pass

    @property  # type: ignore[override]
    def user_login_error(self) -> type[p11e.PKCS11Error] | None:
        return p11e.PinLocked if self.locked else None

    @user_login_error.setter
    def user_login_error(self, value: Any) -> None:
        pass

    @property  # type: ignore[override]
    def so_login_error(self) -> None:
        self.locked = False  # read by the worker just before the real SO log-in
        return None

    @so_login_error.setter
    def so_login_error(self, value: Any) -> None:
        pass


def test_fault_injection_locked_user_pin_is_unlocked_with_the_so_pin(desk: Desk) -> None:
    worker = desk.kiosk.worker
    worker.inject_fault(desk.token.serial, LockedUntilInitPin()).result(5)
    service, token, holder = service_for(desk)
    assert token.flags.user_pin_state == "locked"
    with pytest.raises(PinLocked):
        worker.verify_pin(desk.token.serial, Secret("246810")).result(10)
    unlock, change = WORKFLOWS
    assert isinstance(unlock, Workflow) and unlock.offered_for(token) and not change.offered_for(token)
    with pytest.raises(PinLocked):
        service.change(token, holder, Secret("246810"), Secret("582039"), Secret("582039"))

    outcome = service.unlock(token, holder, BY_ID, Secret("13579135"), Secret("582039"), Secret("582039"))

    assert outcome.ok, outcome.error
    assert outcome.record.payload["state_before"]["user_pin_state"] == "locked"
    assert outcome.record.payload["state_after"]["user_pin_state"] == "ok"
    assert verifies(desk, "582039")


def test_fault_injection_so_pin_final_try_needs_the_typed_confirmation(desk: Desk) -> None:
    worker = desk.kiosk.worker
    worker.inject_fault(desk.token.serial, InjectedFault(flags={"so_pin_final_try": True})).result(5)
    service, token, holder = service_for(desk)

    refused = service.unlock(token, holder, BY_ID, Secret("13579135"), Secret("582039"), Secret("582039"))
    assert refused.outcome == "refused_final_try" and "XAC NHAN" in refused.error.localized()
    assert refused.record.payload["final_try_confirmed"] is False
    assert verifies(desk, "246810")  # the token was not touched

    done = service.unlock(token, holder, BY_ID, Secret("13579135"), Secret("582039"), Secret("582039"),
                          confirmation="xác nhận")
    assert done.ok and done.record.payload["final_try_confirmed"] is True
    assert done.record.payload["state_before"]["so_pin_state"] == "final_try"
    assert verifies(desk, "582039")


def test_fault_injection_so_pin_locked_goes_to_the_request_list(desk: Desk) -> None:
    worker = desk.kiosk.worker
    worker.inject_fault(desk.token.serial, InjectedFault(flags={"so_pin_locked": True},
                                                         so_login_error=p11e.PinLocked)).result(5)
    service, token, holder = service_for(desk)
    with pytest.raises(SoPinUnavailable):
        service.unlock(token, holder, BY_ID, Secret("13579135"), Secret("582039"), Secret("582039"))
    assert attempts(desk) == [] and verifies(desk, "246810")

    request = service.request_return(token, holder, "so_pin_locked")
    assert request.payload["state"]["so_pin_state"] == "locked"
    listed = open_requests(desk.kiosk.store, "p-tanan")
    assert [r.token_serial for r in listed] == [desk.token.serial]
    assert listed[0].cert_name == "Nguyễn Thị Ánh Tuyết" and listed[0].email == "tuyetnta@cantho.gov.vn"


def test_fault_injection_so_pin_locks_at_this_attempt(desk: Desk) -> None:
    """The flags said "ok" but the SO log-in answers CKR_PIN_LOCKED (injected)."""
    worker = desk.kiosk.worker
    worker.inject_fault(desk.token.serial, InjectedFault(so_login_error=p11e.PinLocked)).result(5)
    service, token, holder = service_for(desk)
    outcome = service.unlock(token, holder, BY_ID, Secret("13579135"), Secret("582039"), Secret("582039"))
    assert outcome.outcome == "so_pin_locked" and isinstance(outcome.error, PinLocked)
    assert verifies(desk, "246810")


def test_token_pulled_between_so_login_and_init_pin_at_the_worker(desk: Desk, softhsm: Any) -> None:
    """The exact window: SO logged in, C_InitPIN not yet called, token pulled (deterministic)."""
    worker = desk.kiosk.worker
    in_so_session, pulled = threading.Event(), threading.Event()

    def init_pin_after_pull(session: Any) -> None:
        in_so_session.set()
        assert pulled.wait(10)
        session.init_pin("582039")

    future = worker.run_in_session(desk.token.serial, init_pin_after_pull, so_pin=Secret("13579135"), rw=True)
    assert in_so_session.wait(10)
    softhsm.remove(desk.token)
    worker.note_card_removed("Virtual PCD 00 00")  # what the PC/SC tracker reports
    pulled.set()
    with pytest.raises(TokenRemovedError) as caught:
        future.result(10)
    assert "rút ra" in caught.value.localized()

    softhsm.insert(desk.token)
    _service, token, _holder = service_for(desk)  # reads the token again
    assert (token.flags.user_pin_state, token.flags.so_pin_state) == ("ok", "ok")
    # Honest: the new PIN did not land; the old one still opens the token.
    assert verifies(desk, "246810") and not verifies(desk, "582039")




def test_token_pulled_during_an_unlock_is_recorded_with_an_unknown_state(desk: Desk, softhsm: Any) -> None:
    pause = PauseAtSoLogin()
    desk.kiosk.worker.inject_fault(desk.token.serial, pause).result(5)
    service, token, holder = service_for(desk)
    result: list[Any] = []
    runner = threading.Thread(target=lambda: result.append(service.unlock(
        token, holder, BY_ID, Secret("13579135"), Secret("582039"), Secret("582039"))))
    runner.start()
    assert pause.reached.wait(10)
    softhsm.remove(desk.token)
    desk.kiosk.worker.note_card_removed("Virtual PCD 00 00")
    pause.go.set()
    runner.join(20)

    outcome = result[0]
    assert outcome.outcome == "token_removed" and isinstance(outcome.error, TokenRemovedError)
    assert outcome.token is None and outcome.receipt is None
    assert outcome.record.payload["state_after"] is None  # unknown, not guessed
    desk.kiosk.worker.inject_fault(desk.token.serial, None).result(5)
    softhsm.insert(desk.token)
    again = service.read(desk.token.serial)
    assert again.flags.user_pin_state == "ok"
    assert verifies(desk, "246810") and not verifies(desk, "582039")


class RefuseAttempts:
    """Another plugin's validate hook: no attempt records today (until told otherwise)."""

    def __init__(self) -> None:
        self.refuse = True

    @hookimpl
    def helpdesk_validate_record(self, record: Any) -> list[Problem]:
        if record.type == records.ATTEMPT and self.refuse:
            return [Problem("Attempts are closed today", field="outcome")]
        return []


def test_hook_validate_record_refusal_is_reported_and_no_receipt_number_is_lost(desk: Desk,
                                                                               register_plugin: Any) -> None:
    closed = RefuseAttempts()
    register_plugin(closed, "closed")
    service, token, holder = service_for(desk)
    refused = service.unlock(token, holder, BY_ID, Secret("13579135"), Secret("582039"), Secret("582039"))
    # The token is unlocked all the same (the worker's job was done): said honestly.
    assert refused.outcome == "success" and isinstance(refused.record_error, RecordRefused)
    text, kind = refused.message()
    assert "Attempts are closed today" in text and kind == "warning"
    assert refused.record is None and refused.receipt is None and attempts(desk) == []
    assert verifies(desk, "582039")

    closed.refuse = False
    done = service.unlock(token, holder, BY_ID, Secret("13579135"), Secret("730194"), Secret("730194"))
    assert done.ok and done.record.payload["receipt_seq"] == 1  # the refused save used no number
    assert "Số: 1/PXN-SNV" in pdf_text(done.receipt)
