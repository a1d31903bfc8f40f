"""PIN-pad readers (CKF_PROTECTED_AUTHENTICATION_PATH): the PINs are typed on the reader.

python-pkcs11 0.10 logs in through a PIN pad (``PROTECTED_AUTH``) but its
``init_pin``/``set_pin`` always send a PIN buffer, and the core worker takes
:class:`~helpdesk.secret.Secret` PINs. So this module runs inside
``TokenWorker.run_in_session`` (the worker's thread, its presence checks and error
mapping) and makes the four calls itself through ctypes with NULL PIN pointers:
C_Login(SO) → C_InitPIN → C_Logout → C_Login(USER) to prove the new PIN → C_Logout.
``dlopen`` of the library path returns the copy python-pkcs11 initialised, so the
session handle is valid for these calls.

``_pins`` exists so tests can drive the very same calls on SoftHSM2 (which has no PIN
pad) with typed PINs; the kiosk never passes it.
"""

from __future__ import annotations

import ctypes
from functools import cache
from typing import TYPE_CHECKING, Any

import pkcs11.exceptions as p11e

from helpdesk import errors

if TYPE_CHECKING:
    from helpdesk.secret import Secret
    from helpdesk.tokens.model import TokenInfo
    from helpdesk.tokens.pkcs11 import TokenWorker

CK_ULONG = ctypes.c_ulong
CKU_SO, CKU_USER = 0, 1
PAD_TIMEOUT = 180.0  # seconds: people type slowly on a reader, twice

CKR_OK = 0x00
CKR_FUNCTION_CANCELED = 0x50
CKR_PIN_INCORRECT = 0xA0
CKR_PIN_INVALID = 0xA1
CKR_PIN_LEN_RANGE = 0xA2
CKR_PIN_EXPIRED = 0xA3
CKR_PIN_LOCKED = 0xA4
CKR_USER_NOT_LOGGED_IN = 0x101
# Codes after which the worker checks whether the token is still there.
_GONE = {
    0x30: p11e.DeviceError,
    0x32: p11e.DeviceRemoved,
    0xB0: p11e.SessionClosed,
    0xB3: p11e.SessionHandleInvalid,
    0xE0: p11e.TokenNotPresent,
    0x05: p11e.GeneralError,
}


@cache
def _library(path: str) -> ctypes.CDLL:
    return ctypes.CDLL(path)


def library_path(worker: TokenWorker, token: TokenInfo) -> str:
    for choice in worker.registry.enumerable():
        if choice.name == token.module and choice.resolved_path:
            return choice.resolved_path
    raise errors.TokenNotFound("No token with serial {serial} is present.", serial=token.serial)


def _check(rv: int, who: str) -> None:
    """Raise the domain error for a PKCS#11 return value (``who``: "SO PIN" or "PIN")."""
    if rv == CKR_OK:
        return
    if rv == CKR_PIN_INCORRECT:
        raise errors.PinIncorrect("The {who} is incorrect.", who=who)
    if rv == CKR_PIN_LOCKED:
        raise errors.PinLocked("The {who} of this token is locked.", who=who)
    if rv == CKR_PIN_EXPIRED:
        raise errors.PinIncorrect("The {who} has expired and must be changed.", who=who)
    if rv == CKR_PIN_LEN_RANGE:
        raise errors.PinPolicyError("The new PIN has a length the token does not accept.")
    if rv == CKR_PIN_INVALID:
        raise errors.PinPolicyError("The token rejected the new PIN.")
    if rv == CKR_FUNCTION_CANCELED:
        raise errors.TokenError("The PIN entry on the reader was cancelled or timed out.")
    gone = _GONE.get(rv)
    if gone is not None:
        raise gone()  # the worker's guard turns it into TokenRemoved if the token left
    raise errors.TokenError("The token reported an error: {error}", error=f"CKR 0x{rv:X}")


def _buffer(pin: Secret | None) -> tuple[Any, CK_ULONG]:
    if pin is None:
        return None, CK_ULONG(0)  # NULL: the reader asks for it on its own keypad
    data = pin.reveal().encode("utf-8")
    return ctypes.c_char_p(data), CK_ULONG(len(data))


def _login(lib: ctypes.CDLL, handle: int, user: int, pin: Secret | None) -> None:
    data, size = _buffer(pin)
    _check(int(lib.C_Login(CK_ULONG(handle), CK_ULONG(user), data, size)), "SO PIN" if user == CKU_SO else "PIN")


def _logout(lib: ctypes.CDLL, handle: int) -> None:
    lib.C_Logout(CK_ULONG(handle))  # failure = not logged in: nothing to undo


def unlock_job(path: str, _pins: tuple[Secret, Secret] | None = None) -> Any:
    """The function ``run_in_session(serial, fn, rw=True)`` runs for a PIN-pad unlock."""
    so_pin, new_pin = _pins if _pins is not None else (None, None)

    def run(session: Any) -> None:
        lib = _library(path)
        handle = int(session.handle)
        _login(lib, handle, CKU_SO, so_pin)
        try:
            data, size = _buffer(new_pin)
            _check(int(lib.C_InitPIN(CK_ULONG(handle), data, size)), "PIN")
        finally:
            _logout(lib, handle)
        _login(lib, handle, CKU_USER, new_pin)  # prove the new PIN opens the token
        _logout(lib, handle)

    return run


def change_job(path: str, _pins: tuple[Secret, Secret] | None = None) -> Any:
    """The function for a PIN-pad PIN change (C_SetPIN, old and new PIN on the reader)."""
    old_pin, new_pin = _pins if _pins is not None else (None, None)

    def run(session: Any) -> None:
        lib = _library(path)
        handle = int(session.handle)
        old, old_size = _buffer(old_pin)
        new, new_size = _buffer(new_pin)
        _check(int(lib.C_SetPIN(CK_ULONG(handle), old, old_size, new, new_size)), "PIN")

    return run


def unlock(worker: TokenWorker, token: TokenInfo, timeout: float = PAD_TIMEOUT) -> None:
    """Unlock on a PIN-pad reader (blocking: call from a thread worker)."""
    job = unlock_job(library_path(worker, token))
    worker.run_in_session(token.serial, job, rw=True).result(timeout)


def change(worker: TokenWorker, token: TokenInfo, timeout: float = PAD_TIMEOUT) -> None:
    job = change_job(library_path(worker, token))
    worker.run_in_session(token.serial, job, rw=True).result(timeout)
