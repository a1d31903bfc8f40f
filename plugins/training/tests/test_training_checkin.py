"""Check-in at a session, through the same desk the screen and the CLI use, with real
SoftHSM2 tokens read by the TokenWorker (no PC/SC here; the e2e test adds pcscd).

Where SoftHSM2 cannot reach a state (it never reports FINAL_TRY or LOCKED) the fault is
injected at the TokenWorker boundary, and the test says so in its name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from helpdesk_training.checkin import CheckInDesk, PinProofFailed, PinProofRefused, UnknownToken
from helpdesk_training.model import TrainingBook
from training_kit import CODE, PEOPLE, Issued, add_directory, make_class

from helpdesk.extension import Secret, TokenInfo, TokenNotFound, TokenRemovedError, WorkflowContext
from helpdesk.testing.kit import InjectedFault


def read(ctx: WorkflowContext, serial: str) -> TokenInfo:
    return ctx.worker.identify(serial).result(timeout=30)


@pytest.fixture
def desk_with_roster(ctx: WorkflowContext) -> Callable[..., CheckInDesk]:
    def make(capacity: int = 30, roster: int = 3) -> CheckInDesk:
        book = TrainingBook(ctx)
        make_class(book, capacity=capacity)
        from helpdesk_training.model import Trainee

        book.add_trainees(CODE, [Trainee(key=n, full_name=name, national_id=n, unit="Sở Nội vụ")
                                 for name, n, _ in PEOPLE[:roster]])
        return CheckInDesk(book, CODE, "1")

    return make


def test_token_serial_names_the_trainee_and_a_second_check_in_changes_nothing(
        ctx: WorkflowContext, issue: Callable[..., Issued], desk_with_roster: Callable[..., CheckInDesk]) -> None:
    who = issue(*PEOPLE[0][:2])
    add_directory(ctx.store, PEOPLE[:1], tokens={who.national_id: who.serial})
    desk = desk_with_roster()
    token = read(ctx, who.serial)
    first = desk.check_in_token(token)
    assert not first.already and first.entry.method == "token" and first.present == 1
    assert first.entry.full_name == "Nguyễn Thị Ánh Tuyết" and first.entry.token_serial == who.serial
    assert first.entry.cert_serial == token.certificates[0].serial
    assert first.headline().startswith("Đã điểm danh Nguyễn Thị Ánh Tuyết lúc ") and first.warnings() == []
    rows_before = len(desk.book.attendance)
    again = desk.check_in_token(token)
    assert again.already and again.entry.at == first.entry.at and again.present == 1
    assert again.headline() == f"Nguyễn Thị Ánh Tuyết đã điểm danh lúc {first.entry.time_text()}; không thay đổi gì"
    assert len(desk.book.attendance) == rows_before
    # the change went to the outbox (synced table) with its audit entry
    assert any(e.action == "table.training.attendance.put" for e in ctx.store.audit.entries())


def test_certificate_id_number_names_a_trainee_not_in_the_directory(
        ctx: WorkflowContext, issue: Callable[..., Issued], desk_with_roster: Callable[..., CheckInDesk]) -> None:
    who = issue(*PEOPLE[1][:2])  # the directory does not know this token
    outcome = desk_with_roster().check_in_token(read(ctx, who.serial))
    assert outcome.entry.full_name == "Phạm Quốc Việt" and outcome.candidate.on_roster


def test_unknown_token_records_nothing(ctx: WorkflowContext, issue: Callable[..., Issued],
                                       desk_with_roster: Callable[..., CheckInDesk]) -> None:
    stranger = issue("Đặng Văn Lạ", "079090009999")
    desk = desk_with_roster()
    with pytest.raises(UnknownToken) as caught:
        desk.check_in_token(read(ctx, stranger.serial))
    assert caught.value.localized() == (f"Thiết bị {stranger.serial} (Đặng Văn Lạ) không thuộc học viên nào của lớp "
                                        "và không thuộc thuê bao nào trong danh bạ; chưa ghi nhận gì")
    assert len(desk.book.attendance) == 0


def test_walk_in_is_flagged_and_told_about_the_other_class(
        ctx: WorkflowContext, issue: Callable[..., Issued], desk_with_roster: Callable[..., CheckInDesk]) -> None:
    name, national, _ = PEOPLE[4]
    who = issue(name, national)
    add_directory(ctx.store, [PEOPLE[4]], tokens={national: who.serial})
    desk = desk_with_roster()
    book = desk.book
    make_class(book, code="TH-2018-02", sessions=("2018-06-01",))
    from helpdesk_training.model import Trainee

    book.add_trainees("TH-2018-02", [Trainee(key=national, full_name=name, national_id=national)])
    outcome = desk.check_in_token(read(ctx, who.serial))
    assert outcome.entry.walk_in and outcome.candidate.walk_in
    assert outcome.warnings() == [
        "Trương Minh Khôi không có trong danh sách lớp TH-2018-01: đã thêm là học viên tự do",
        "Trương Minh Khôi có tên trong danh sách lớp TH-2018-02",
    ]
    listed = book.on_roster(CODE, national)
    assert listed is not None and listed.walk_in and listed.source == "walk_in"


def test_search_without_diacritics_and_by_id_number(ctx: WorkflowContext,
                                                    desk_with_roster: Callable[..., CheckInDesk]) -> None:
    add_directory(ctx.store)
    desk = desk_with_roster()
    [found] = desk.search("nguyen thi anh")
    assert found.trainee.full_name == "Nguyễn Thị Ánh Tuyết" and found.on_roster
    [walk_in] = desk.search(PEOPLE[3][1])  # on no roster, in the directory
    assert walk_in.trainee.full_name == "Võ Thị Hồng Nhung" and walk_in.walk_in
    outcome = desk.mark(found, "search")
    assert outcome.entry.method == "search" and not outcome.entry.walk_in


def test_over_capacity_warns_and_keeps_the_check_in(ctx: WorkflowContext,
                                                    desk_with_roster: Callable[..., CheckInDesk]) -> None:
    add_directory(ctx.store)
    desk = desk_with_roster(capacity=2)
    for name in ("nguyen thi anh", "pham quoc", "le hoang"):
        outcome = desk.mark(desk.search(name)[0], "search")
    assert outcome.present == 3 and outcome.over_capacity
    assert "Lớp TH-2018-01 vượt sĩ số: 3 học viên cho 2 chỗ" in outcome.warnings()
    assert len(desk.book.attendance_of(CODE, "1")) == 3


def test_pin_proof_right_and_wrong(ctx: WorkflowContext, issue: Callable[..., Issued],
                                   desk_with_roster: Callable[..., CheckInDesk]) -> None:
    who = issue(*PEOPLE[0][:2], pin="246810")
    add_directory(ctx.store, PEOPLE[:1], tokens={who.national_id: who.serial})
    desk = desk_with_roster()
    token = read(ctx, who.serial)
    with pytest.raises(PinProofFailed) as wrong:
        desk.check_in_token(token, Secret("111111"))
    assert wrong.value.state == "count_low"  # SoftHSM2 after a wrong try
    assert wrong.value.localized().startswith(f"Sai mã PIN của thiết bị {who.serial}: chưa điểm danh.")
    assert len(desk.book.attendance) == 0
    outcome = desk.check_in_token(read(ctx, who.serial), Secret("246810"))
    assert outcome.entry.method == "pin" and outcome.entry.pin_proof
    assert "có xác thực PIN" in outcome.headline()


def test_pin_proof_final_try_needs_confirmation_injected_fault(
        ctx: WorkflowContext, issue: Callable[..., Issued], desk_with_roster: Callable[..., CheckInDesk]) -> None:
    who = issue(*PEOPLE[0][:2])
    add_directory(ctx.store, PEOPLE[:1], tokens={who.national_id: who.serial})
    desk = desk_with_roster()
    ctx.worker.inject_fault(who.serial, InjectedFault(flags={"user_pin_final_try": True})).result(timeout=10)
    with pytest.raises(PinProofRefused) as refused:
        desk.check_in_token(read(ctx, who.serial), Secret("000000"))  # wrong, but never tried
    assert "chỉ còn một lần nhập PIN" in refused.value.localized()
    ctx.worker.inject_fault(who.serial, None).result(timeout=10)
    assert read(ctx, who.serial).flags.user_pin_state == "ok"  # no try was spent
    ctx.worker.inject_fault(who.serial, InjectedFault(flags={"user_pin_final_try": True})).result(timeout=10)
    outcome = desk.check_in_token(read(ctx, who.serial), Secret("123456"), final_try_confirmed=True)
    assert outcome.entry.pin_proof


def test_pin_proof_locked_pin_is_never_tried_injected_fault(
        ctx: WorkflowContext, issue: Callable[..., Issued], desk_with_roster: Callable[..., CheckInDesk]) -> None:
    who = issue(*PEOPLE[0][:2])
    add_directory(ctx.store, PEOPLE[:1], tokens={who.national_id: who.serial})
    desk = desk_with_roster()
    ctx.worker.inject_fault(who.serial, InjectedFault(flags={"user_pin_locked": True})).result(timeout=10)
    with pytest.raises(PinProofRefused) as refused:
        desk.check_in_token(read(ctx, who.serial), Secret("123456"), final_try_confirmed=True)
    assert "đã bị khóa" in refused.value.localized()
    assert len(desk.book.attendance) == 0
    # without PIN proof the trainee is still checked in
    assert desk.check_in_token(read(ctx, who.serial)).entry.method == "token"


def test_token_pulled_before_the_pin_proof_records_nothing(
        ctx: WorkflowContext, issue: Callable[..., Issued], softhsm: Any,
        desk_with_roster: Callable[..., CheckInDesk]) -> None:
    who = issue(*PEOPLE[0][:2])
    add_directory(ctx.store, PEOPLE[:1], tokens={who.national_id: who.serial})
    desk = desk_with_roster()
    token = read(ctx, who.serial)
    softhsm.remove(who.token)
    with pytest.raises((TokenRemovedError, TokenNotFound)):
        desk.check_in_token(token, Secret("123456"))
    assert len(desk.book.attendance) == 0
