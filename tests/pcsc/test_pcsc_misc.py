"""The virtual card through pcscd (APDUs), and event texts for the operator."""

from __future__ import annotations

import time
import unicodedata

import pytest
from smartcard import scard

from helpdesk import i18n
from helpdesk.testing.fixtures_pcsc import VPCD_READERS, VirtualCardFactory
from helpdesk.tokens.model import ReaderEvent
from helpdesk.tokens.pcsc import describe_event, error_text


@pytest.mark.pcsc
def test_virtual_card_answers_apdus_through_pcscd(virtual_card: VirtualCardFactory) -> None:
    card = virtual_card("3B951381018073FF01000B", slot=1)
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert hresult == scard.SCARD_S_SUCCESS
    try:
        hresult = scard.SCARD_E_NO_SMARTCARD
        for _ in range(50):  # pcscd notices the card within its 400 ms poll
            hresult, handle, protocol = scard.SCardConnect(
                context, VPCD_READERS[1], scard.SCARD_SHARE_SHARED,
                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
            )
            if hresult == scard.SCARD_S_SUCCESS:
                break
            time.sleep(0.05)
        assert hresult == scard.SCARD_S_SUCCESS
        select = [0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00]
        hresult, response = scard.SCardTransmit(handle, protocol, select)
        assert (hresult, bytes(response)) == (0, bytes.fromhex("9000"))
        hresult, response = scard.SCardTransmit(handle, protocol, [0x00, 0xCA, 0x00, 0x00, 0x00])
        assert (hresult, bytes(response)) == (0, bytes.fromhex("6D00"))
        scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
    finally:
        scard.SCardReleaseContext(context)
    assert card.apdus == [bytes(select), bytes.fromhex("00CA000000")]
    assert card.powered


def test_event_texts_are_vietnamese_by_default_and_english_on_request() -> None:
    event = ReaderEvent("card_inserted", "Virtual PCD 00 00", "3B00")
    vi = describe_event(event)
    assert vi == "Đã cắm thiết bị lưu khóa vào Virtual PCD 00 00"
    assert unicodedata.is_normalized("NFC", vi)
    i18n.set_language("en")
    assert describe_event(event) == "Token inserted in Virtual PCD 00 00"
    kinds = ("reader_added", "reader_removed", "card_removed", "monitor_error", "monitor_recovered")
    english = [describe_event(ReaderEvent(kind, "R")) for kind in kinds]
    i18n.set_language("vi")
    vietnamese = [describe_event(ReaderEvent(kind, "R")) for kind in kinds]
    assert all(v != e for v, e in zip(vietnamese, english, strict=True))  # every text translated


def test_error_text_names_the_pcsc_code() -> None:
    assert error_text(0x8010001D) == "SCARD_E_NO_SERVICE (0x8010001D)"
    assert error_text(0x80100013) == "SCARD_F_COMM_ERROR (0x80100013)"
