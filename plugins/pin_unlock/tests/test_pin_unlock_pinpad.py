"""The PIN-pad path (protected authentication), through the worker's run_in_session.

SoftHSM2 has no PIN pad, so these run the plugin's very C_Login/C_InitPIN/C_SetPIN
calls with typed PINs (``_pins``, test only); the kiosk passes NULL and the reader asks.
With NULL, SoftHSM2 answers CKR_ARGUMENTS_BAD, which is reported, not crashed on.
"""

from __future__ import annotations

import pytest
from helpdesk_pin_unlock import pinpad
from pin_unlock_kit import Desk

from helpdesk import errors
from helpdesk.secret import Secret


def test_pinpad_calls_unlock_and_prove_the_new_pin(desk: Desk) -> None:
    worker = desk.kiosk.worker
    info = desk.info()
    path = pinpad.library_path(worker, info)
    for _ in range(3):
        with pytest.raises(errors.PinIncorrect):
            worker.verify_pin(info.serial, Secret("000000")).result(10)
    with pytest.raises(errors.PinIncorrect) as wrong:
        worker.run_in_session(info.serial, pinpad.unlock_job(path, (Secret("99999999"), Secret("582039"))),
                              rw=True).result(10)
    assert wrong.value.params["who"] == "SO PIN"

    worker.run_in_session(info.serial, pinpad.unlock_job(path, (Secret("13579135"), Secret("582039"))),
                          rw=True).result(10)
    worker.verify_pin(info.serial, Secret("582039")).result(10)
    assert desk.info().flags.user_pin_state == "ok"

    worker.run_in_session(info.serial, pinpad.change_job(path, (Secret("582039"), Secret("730194"))),
                          rw=True).result(10)
    worker.verify_pin(info.serial, Secret("730194")).result(10)
    with pytest.raises(errors.PinIncorrect):
        worker.run_in_session(info.serial, pinpad.change_job(path, (Secret("582039"), Secret("111111"))),
                              rw=True).result(10)


def test_pinpad_null_pin_on_a_token_without_a_pad_is_a_clear_error(desk: Desk) -> None:
    worker = desk.kiosk.worker
    with pytest.raises(errors.TokenError) as caught:
        pinpad.unlock(worker, desk.info(), timeout=10)
    assert "CKR 0x7" in str(caught.value)  # CKR_ARGUMENTS_BAD
    worker.verify_pin(desk.token.serial, Secret("246810")).result(10)  # nothing changed, no session leaked
    with pytest.raises(errors.TokenError):
        pinpad.change(worker, desk.info(), timeout=10)


def test_pinpad_return_codes_map_to_domain_errors() -> None:
    cases: list[tuple[int, type[Exception], str]] = [
        (0xA0, errors.PinIncorrect, "không đúng"),
        (0xA4, errors.PinLocked, "đã bị khóa"),
        (0xA2, errors.PinPolicyError, "Độ dài"),
        (0x50, errors.TokenError, "hủy"),
    ]
    from helpdesk_pin_unlock.plugin import LOCALE

    from helpdesk import i18n

    i18n.add_catalog_dir(LOCALE)
    for rv, kind, words in cases:
        with pytest.raises(kind) as caught:
            pinpad._check(rv, "SO PIN")
        assert words in caught.value.localized()  # type: ignore[attr-defined]
    import pkcs11.exceptions as p11e

    with pytest.raises(p11e.DeviceRemoved):  # the worker's guard turns this into TokenRemoved
        pinpad._check(0x32, "PIN")
    pinpad._check(0, "PIN")


def test_library_path_of_an_unknown_module(desk: Desk) -> None:
    from dataclasses import replace

    with pytest.raises(errors.TokenNotFound):
        pinpad.library_path(desk.kiosk.worker, replace(desk.info(), module="nope"))
