"""TokenWorker against real SoftHSM2 tokens written by real tools in other processes."""

from __future__ import annotations

import threading
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization

from helpdesk import errors
from helpdesk.secret import Secret
from helpdesk.testing.ca import person_subject, pooled_key
from helpdesk.tokens.pkcs11 import InjectedFault


def test_identify_reads_vietnamese_subject_intact(softhsm, test_ca, token_worker):
    token = softhsm.create_token()
    subject = person_subject(name="Nguyễn Thị Ánh Tuyết", unit="Phòng Công chức, viên chức")
    cert = softhsm.add_identity(token, test_ca, subject=subject)

    info = token_worker.identify(token.serial).result(10)

    assert info.serial == token.serial
    assert info.label == "VGCA Token"
    assert info.flags.token_initialized and info.flags.user_pin_initialized and info.flags.login_required
    assert (info.min_pin_len, info.max_pin_len) == (4, 255)
    [found] = info.certificates
    for part, value in subject.items():
        assert found.subject.get(part) == unicodedata.normalize("NFC", value)
        assert unicodedata.is_normalized("NFC", found.subject.get(part))
    assert found.serial == format(cert.serial_number, "X")
    assert found.issuer.common_name == "CA phục vụ các cơ quan Nhà nước (thử nghiệm)"
    assert found.key_matches is True
    assert found.has_private_key is None  # hidden until the holder logs in
    assert found.is_valid_at()


def test_pin_login_reveals_private_key_and_missing_key(softhsm, test_ca, token_worker):
    token = softhsm.create_token()
    softhsm.add_identity(token, test_ca, key_id="01", key_index=1)
    softhsm.add_identity(token, test_ca, key_id="02", key_index=2, with_private_key=False,
                         subject=person_subject(name="Trần Văn Bình"))

    info = token_worker.identify(token.serial, pin=Secret(token.pin)).result(10)

    by_id = {c.key_id: c for c in info.certificates}
    assert by_id["01"].has_private_key is True
    assert by_id["02"].has_private_key is False
    assert by_id["02"].subject.common_name == "Trần Văn Bình"


def test_key_certificate_mismatch_is_flagged(softhsm, test_ca, token_worker):
    token = softhsm.create_token()
    softhsm.add_identity(token, test_ca, key_index=1, certificate_key=pooled_key(3))

    [cert] = token_worker.identify(token.serial, pin=Secret(token.pin)).result(10).certificates

    assert cert.has_private_key is True
    assert cert.key_matches is False


def test_expired_not_yet_valid_and_empty_tokens(softhsm, test_ca, token_worker):
    now = datetime.now(timezone.utc)
    expired = softhsm.create_token(label="Expired")
    softhsm.add_identity(expired, test_ca, not_before=now - timedelta(days=800), not_after=now - timedelta(days=5))
    future = softhsm.create_token(label="Future")
    softhsm.add_identity(future, test_ca, not_before=now + timedelta(days=3), not_after=now + timedelta(days=900))
    empty = softhsm.create_token(label="Empty")

    listing = token_worker.list_tokens(rescan=True).result(10)

    by_serial = {t.serial: t for t in listing.tokens}
    assert set(by_serial) == {expired.serial, future.serial, empty.serial}
    [old] = by_serial[expired.serial].certificates
    assert not old.is_valid_at() and old.days_left() < 0
    [early] = by_serial[future.serial].certificates
    assert not early.is_valid_at() and early.not_before > now
    assert by_serial[empty.serial].certificates == ()


def test_tokens_with_same_label_are_told_apart_by_serial(softhsm, test_ca, token_worker):
    first = softhsm.create_token(label="VGCA Token")
    second = softhsm.create_token(label="VGCA Token")
    softhsm.add_identity(first, test_ca, subject=person_subject(name="Lê Thị Hồng"), key_index=1)
    softhsm.add_identity(second, test_ca, subject=person_subject(name="Phạm Đức Thắng"), key_index=2)

    names = {
        serial: token_worker.identify(serial).result(10).certificates[0].subject.common_name
        for serial in (first.serial, second.serial)
    }

    assert names == {first.serial: "Lê Thị Hồng", second.serial: "Phạm Đức Thắng"}


def test_malformed_certificate_object_is_flagged_not_fatal(softhsm, test_ca, token_worker):
    token = softhsm.create_token()
    softhsm.add_identity(token, test_ca, key_id="01")
    softhsm.add_certificate_der(token, b"\x30\x82\x01\x00junk that is not DER", key_id="ee", label="rác")

    certs = token_worker.identify(token.serial).result(10).certificates

    good = [c for c in certs if not c.error]
    bad = [c for c in certs if c.error]
    assert len(good) == 1 and good[0].subject.common_name == "Nguyễn Thị Ánh Tuyết"
    assert len(bad) == 1 and bad[0].label == "rác" and "malformed" in bad[0].error


def test_rescan_reports_inserted_and_removed_serials(softhsm, test_ca, token_worker, module_registry):
    choice = module_registry.enumerable()[0]
    assert token_worker.rescan(choice).result(10).added == []
    token = softhsm.create_token(inserted=False)
    softhsm.add_identity(token, test_ca)

    softhsm.insert(token)
    diff = token_worker.rescan(choice, reader="Virtual PCD 00 00", atr="3B00").result(10)
    assert [t.serial for t in diff.added] == [token.serial]
    assert diff.added[0].reader == "Virtual PCD 00 00"
    assert diff.added[0].certificates[0].subject.common_name == "Nguyễn Thị Ánh Tuyết"

    softhsm.remove(token)
    diff = token_worker.rescan(choice).result(10)
    assert diff.removed == [token.serial] and diff.added == []


def test_token_removed_during_a_read_raises_token_removed_and_worker_lives(softhsm, test_ca, token_worker):
    token = softhsm.create_token()
    softhsm.add_identity(token, test_ca)
    other = softhsm.create_token(label="Other")
    session_open = threading.Event()
    pulled = threading.Event()

    def read_after_pull(session):
        session_open.set()
        assert pulled.wait(10)
        # The read happens after the token directory is gone, mid-session.
        return list(session.get_objects())

    future = token_worker.run_in_session(token.serial, read_after_pull)
    assert session_open.wait(10)
    softhsm.remove(token)
    softhsm.delete(token)
    # What the PC/SC monitor reports on the card's removal (SoftHSM2 itself keeps
    # serving a vanished token from memory, so the event is what reveals it).
    token_worker.note_card_removed("Virtual PCD 00 00")
    pulled.set()

    with pytest.raises(errors.TokenRemoved) as caught:
        future.result(10)
    assert token.serial in str(caught.value)
    assert "rút ra" in caught.value.localized_title()
    # The worker serves the next job.
    assert token_worker.identify(other.serial).result(10).label == "Other"


def test_unknown_serial_is_token_not_found(token_worker, softhsm):
    softhsm.create_token()
    with pytest.raises(errors.TokenNotFound):
        token_worker.identify("no-such-serial").result(10)


def test_three_wrong_pins_then_so_unlock_then_new_pin_works(softhsm, test_ca, token_worker):
    token = softhsm.create_token(pin="246810", so_pin="13579135")
    softhsm.add_identity(token, test_ca)
    for _ in range(3):
        with pytest.raises(errors.PinIncorrect):
            token_worker.verify_pin(token.serial, Secret("000000")).result(10)
    assert token_worker.identify(token.serial).result(10).flags.user_pin_count_low

    token_worker.unlock(token.serial, Secret("13579135"), Secret("112358")).result(10)

    token_worker.verify_pin(token.serial, Secret("112358")).result(10)
    assert not token_worker.identify(token.serial).result(10).flags.user_pin_count_low
    with pytest.raises(errors.PinIncorrect):
        token_worker.verify_pin(token.serial, Secret("246810")).result(10)


def test_wrong_so_pin_and_change_pin(softhsm, token_worker):
    token = softhsm.create_token(pin="246810", so_pin="13579135")
    with pytest.raises(errors.PinIncorrect) as caught:
        token_worker.unlock(token.serial, Secret("99999999"), Secret("112358")).result(10)
    assert "SO PIN" in str(caught.value)

    token_worker.change_pin(token.serial, Secret("246810"), Secret("864200")).result(10)
    token_worker.verify_pin(token.serial, Secret("864200")).result(10)
    with pytest.raises(errors.PinPolicyError):
        token_worker.change_pin(token.serial, Secret("864200"), Secret("12")).result(10)


def test_fault_injection_locked_user_pin(softhsm, token_worker):
    """FAULT INJECTION at the worker boundary: SoftHSM2 never reports a locked PIN."""
    import pkcs11.exceptions as p11e

    token = softhsm.create_token()
    token_worker.inject_fault(
        token.serial, InjectedFault(flags={"user_pin_locked": True}, user_login_error=p11e.PinLocked)
    ).result(5)

    assert token_worker.identify(token.serial).result(10).flags.user_pin_state == "locked"
    with pytest.raises(errors.PinLocked):
        token_worker.verify_pin(token.serial, Secret(token.pin)).result(10)


def test_on_token_key_generation_and_certificate(softhsm, test_ca, token_worker):
    token = softhsm.create_token()
    cert = softhsm.add_identity(token, test_ca, on_token_key=True, key_id="0a")

    [found] = token_worker.identify(token.serial, pin=Secret(token.pin)).result(10).certificates

    assert found.has_private_key is True and found.key_matches is True
    assert found.fingerprint_sha256 == cert.fingerprint(
        __import__("cryptography.hazmat.primitives.hashes", fromlist=["SHA256"]).SHA256()
    ).hex().upper()
    assert cert.public_bytes(serialization.Encoding.DER)


def test_secret_never_shows_its_value():
    secret = Secret("271828")
    assert "271828" not in repr(secret) and "271828" not in str(secret) and "271828" not in f"{secret}"
    with pytest.raises(TypeError):
        __import__("pickle").dumps(secret)


def test_pin_pad_on_a_reader_without_one_is_a_clear_error(softhsm, token_worker):
    """SoftHSM2 has no protected authentication path: asking for the PIN pad is refused plainly."""
    from helpdesk.tokens.pkcs11 import PIN_PAD

    token = softhsm.create_token()
    with pytest.raises(errors.TokenError) as caught:
        token_worker.verify_pin(token.serial, PIN_PAD).result(10)
    assert "PIN pad" in str(caught.value)
    token_worker.verify_pin(token.serial, Secret(token.pin)).result(10)  # the session was not leaked
