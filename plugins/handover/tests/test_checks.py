"""Handover checks on real SoftHSM2 tokens: right holder, validity, key match, PIN, not handed over."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from handover_kit import OPERATOR, Issued, read_token
from helpdesk_handover.checks import assess
from helpdesk_handover.record import Draft, Giver, commit_handovers

from helpdesk.testing.ca import pooled_key
from helpdesk.testing.kit import InjectedFault, Kiosk

NOW = datetime.now(timezone.utc)


def roster(kiosk: Kiosk, issued: Issued | None, name: str = "Nguyễn Thị Ánh Tuyết",
           national_id: str = "092186001234", unit: str = "Sở Nội vụ", **extra: object) -> None:
    store = kiosk.store
    if store.units.get("snv") is None:
        store.units.add({"id": "snv", "name": unit, "level": "so_ban_nganh"}, "test")
    store.subscribers.add({"full_name": name, "national_id": national_id, "unit_id": "snv",
                           "token_serial": issued.serial if issued else None, **extra}, "test")


def failed(kiosk: Kiosk, issued: Issued) -> dict[str, str]:
    a = assess(kiosk.store, read_token(kiosk, issued.serial))
    return {c.id: c.localized() for c in a.failures}


def test_the_right_token_passes_every_check(kiosk: Kiosk, issue: Callable[..., Issued]) -> None:
    issued = issue()
    roster(kiosk, issued, name="NGUYỄN THỊ ÁNH TUYẾT")  # case and accents compared folded
    a = assess(kiosk.store, read_token(kiosk, issued.serial))
    assert a.ok and a.found_by == "token_serial" and a.failures == [] and a.warnings == []
    assert a.certificate is not None and a.certificate.serial == issued.cert_serial
    assert {c.id for c in a.checks} >= {"holder_found", "certificate_name", "certificate_valid", "key_matches",
                                       "pin_not_locked", "not_handed_over"}


def test_holder_found_by_certificate_subject(kiosk: Kiosk, issue: Callable[..., Issued]) -> None:
    issued = issue(name="Trần Minh Khôi", national_id="079090001111")
    roster(kiosk, None, name="Trần Minh Khôi", national_id="079090001111")
    a = assess(kiosk.store, read_token(kiosk, issued.serial))
    assert a.found_by == "certificate" and a.holder is not None and a.holder.full_name == "Trần Minh Khôi"
    assert a.ok


def test_wrong_holder_is_named_in_plain_words(kiosk: Kiosk, issue: Callable[..., Issued]) -> None:
    issued = issue(name="Lê Văn Sai", national_id="092186005555")
    roster(kiosk, issued)  # the roster says this token is Nguyễn Thị Ánh Tuyết's
    problems = failed(kiosk, issued)
    assert problems["certificate_name"] == "Chứng thư số cấp cho Lê Văn Sai, không phải cho Nguyễn Thị Ánh Tuyết"
    assert "092186005555" in problems["certificate_id"] and "092186001234" in problems["certificate_id"]


def test_wrong_unit(kiosk: Kiosk, issue: Callable[..., Issued]) -> None:
    issued = issue(organisation="Sở Tài chính thành phố Cần Thơ")
    roster(kiosk, issued, unit="UBND phường Tân An")
    assert "Sở Tài chính" in failed(kiosk, issued)["certificate_unit"]


def test_expired_certificate(kiosk: Kiosk, issue: Callable[..., Issued]) -> None:
    issued = issue(not_before=NOW - timedelta(days=800), not_after=NOW - timedelta(days=2))
    roster(kiosk, issued)
    assert failed(kiosk, issued)["certificate_valid"].startswith("Chứng thư số đã hết hạn ngày ")


def test_not_yet_valid_certificate(kiosk: Kiosk, issue: Callable[..., Issued]) -> None:
    issued = issue(not_before=NOW + timedelta(days=3), not_after=NOW + timedelta(days=300))
    roster(kiosk, issued)
    assert "chưa có hiệu lực" in failed(kiosk, issued)["certificate_valid"]


def test_key_and_certificate_mismatch(kiosk: Kiosk, issue: Callable[..., Issued]) -> None:
    issued = issue(certificate_key=pooled_key(2))
    roster(kiosk, issued)
    assert failed(kiosk, issued) == {"key_matches": "Khóa trên thiết bị không khớp với chứng thư số"}


def test_roster_lists_another_certificate(kiosk: Kiosk, issue: Callable[..., Issued]) -> None:
    issued = issue()
    roster(kiosk, issued, cert_serial="ABCDEF")
    assert "ABCDEF" in failed(kiosk, issued)["certificate_serial"]


def test_locked_pin_blocks_and_final_try_warns(kiosk: Kiosk, issue: Callable[..., Issued]) -> None:
    # SoftHSM2 never locks a PIN: fault injection at the token-worker boundary.
    issued = issue()
    roster(kiosk, issued)
    kiosk.worker.inject_fault(issued.serial, InjectedFault(flags={"user_pin_locked": True})).result()
    assert "đã bị khóa" in failed(kiosk, issued)["pin_not_locked"]
    kiosk.worker.inject_fault(issued.serial, InjectedFault(flags={"user_pin_final_try": True})).result()
    a = assess(kiosk.store, read_token(kiosk, issued.serial))
    assert a.ok and [w.id for w in a.warnings] == ["pin_not_locked"]


def test_token_not_in_the_roster(kiosk: Kiosk, issue: Callable[..., Issued]) -> None:
    issued = issue(name="Người Lạ", national_id="001001001001")
    a = assess(kiosk.store, read_token(kiosk, issued.serial))
    assert a.holder is None and not a.ok
    assert "không có trong danh sách" in a.failures[0].localized()


def test_already_handed_over(kiosk: Kiosk, issue: Callable[..., Issued]) -> None:
    issued = issue()
    roster(kiosk, issued)
    a = assess(kiosk.store, read_token(kiosk, issued.serial))
    [record] = commit_handovers(kiosk.context(OPERATOR, None), [Draft.from_assessment(a, "typed")],
                                Giver("op", OPERATOR.name, "Chuyên viên", "Sở Nội vụ"))
    text = failed(kiosk, issued)["not_handed_over"]
    assert text.startswith("Thiết bị này đã được bàn giao cho Nguyễn Thị Ánh Tuyết ngày ")
    assert "(biên bản số 1/BB-SNV)" in text
    kiosk.store.void(record.id, "Giao nhầm", "admin")
    assert "not_handed_over" not in failed(kiosk, issued)  # a voided handover no longer counts
