"""The two PKCS#11 calls python-pkcs11 0.10 does not expose, through ctypes.

``C_GetTokenInfo`` for the PIN length limits (ulMinPinLen/ulMaxPinLen), and
``C_CloseAllSessions`` to close a session leaked by a failed log-in (python-pkcs11's
``Token.open`` opens the session before ``C_Login`` and does not close it on failure;
left open, a read-only session makes the next SO log-in fail with
``CKR_SESSION_READ_ONLY_EXISTS``). ``dlopen`` of the same path returns the library
python-pkcs11 already initialised, so these calls share its state.
"""

from __future__ import annotations

import ctypes
from functools import cache

CK_ULONG = ctypes.c_ulong


class _Version(ctypes.Structure):
    _fields_ = [("major", ctypes.c_ubyte), ("minor", ctypes.c_ubyte)]


class CK_TOKEN_INFO(ctypes.Structure):
    _fields_ = [
        ("label", ctypes.c_char * 32),
        ("manufacturerID", ctypes.c_char * 32),
        ("model", ctypes.c_char * 16),
        ("serialNumber", ctypes.c_char * 16),
        ("flags", CK_ULONG),
        ("ulMaxSessionCount", CK_ULONG),
        ("ulSessionCount", CK_ULONG),
        ("ulMaxRwSessionCount", CK_ULONG),
        ("ulRwSessionCount", CK_ULONG),
        ("ulMaxPinLen", CK_ULONG),
        ("ulMinPinLen", CK_ULONG),
        ("ulTotalPublicMemory", CK_ULONG),
        ("ulFreePublicMemory", CK_ULONG),
        ("ulTotalPrivateMemory", CK_ULONG),
        ("ulFreePrivateMemory", CK_ULONG),
        ("hardwareVersion", _Version),
        ("firmwareVersion", _Version),
        ("utcTime", ctypes.c_char * 16),
    ]


@cache
def _library(path: str) -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(path)
    except OSError:
        return None


def pin_length_range(path: str, slot_id: int) -> tuple[int, int]:
    """(min, max) PIN length the token accepts; (0, 0) when the library will not say."""
    lib = _library(path)
    if lib is None or not hasattr(lib, "C_GetTokenInfo"):
        return (0, 0)
    info = CK_TOKEN_INFO()
    if lib.C_GetTokenInfo(CK_ULONG(slot_id), ctypes.byref(info)) != 0:
        return (0, 0)
    # CK_UNAVAILABLE_INFORMATION (~0) means "not stated".
    unavailable = ctypes.c_ulong(-1).value
    low = 0 if info.ulMinPinLen == unavailable else int(info.ulMinPinLen)
    high = 0 if info.ulMaxPinLen == unavailable else int(info.ulMaxPinLen)
    return (low, high)


def pin_pad_set_pin(path: str, session_handle: int) -> int:
    """C_SetPIN with NULL PINs: the reader's keypad asks for the old and new PIN.

    python-pkcs11 only passes PIN strings; a protected authentication path needs NULL.
    Returns the CK_RV (0 = OK)."""
    lib = _library(path)
    if lib is None:
        return 0x5  # CKR_GENERAL_ERROR
    return int(lib.C_SetPIN(CK_ULONG(session_handle), None, CK_ULONG(0), None, CK_ULONG(0)))


def pin_pad_init_pin(path: str, session_handle: int) -> int:
    """C_InitPIN with a NULL PIN (the new user PIN is typed on the reader). Returns CK_RV."""
    lib = _library(path)
    if lib is None:
        return 0x5
    return int(lib.C_InitPIN(CK_ULONG(session_handle), None, CK_ULONG(0)))


def close_all_sessions(path: str, slot_id: int) -> bool:
    """C_CloseAllSessions on one slot; False when the library lacks the symbol."""
    lib = _library(path)
    if lib is None or not hasattr(lib, "C_CloseAllSessions"):
        return False
    return int(lib.C_CloseAllSessions(CK_ULONG(slot_id))) == 0
