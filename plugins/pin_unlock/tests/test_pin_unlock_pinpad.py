"""The PIN-pad path (protected authentication): the kiosk never sees the PINs.

The service asks the core TokenWorker with ``PIN_PAD`` for every PIN (SO log-in,
C_InitPIN / C_SetPIN with NULL PINs, the proving log-in). SoftHSM2 has no PIN pad,
so on it the request must be refused plainly, leave no session behind and change
nothing; the screens' PIN-pad prompts are covered with the fault-injected flag.
"""

from __future__ import annotations

import pytest
from pin_unlock_kit import Desk

from helpdesk.extension import PIN_PAD, Secret, TokenError


def test_pin_pad_unlock_on_a_token_without_a_pad_is_a_clear_error(desk: Desk) -> None:
    worker = desk.kiosk.worker
    with pytest.raises(TokenError) as caught:
        worker.unlock(desk.token.serial, PIN_PAD, PIN_PAD).result(10)
    assert "PIN pad" in str(caught.value)
    assert "bàn phím PIN" in caught.value.localized()
    worker.verify_pin(desk.token.serial, Secret("246810")).result(10)  # nothing changed, no session leaked


def test_pin_pad_change_on_a_token_without_a_pad_is_a_clear_error(desk: Desk) -> None:
    worker = desk.kiosk.worker
    with pytest.raises(TokenError):
        worker.change_pin(desk.token.serial, PIN_PAD, PIN_PAD).result(10)
    worker.verify_pin(desk.token.serial, Secret("246810")).result(10)
