"""A wrapper that keeps PINs, PUKs and SO PINs out of logs, reprs and tracebacks.

The value is reachable only through :meth:`Secret.reveal`, called at the last moment
(the PKCS#11 call). ``repr``/``str``/pickling never show it, so a traceback that
renders locals (Textual's does) prints ``Secret(***)``.
"""

from __future__ import annotations

from typing import NoReturn


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret(***)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        import hmac

        if isinstance(other, Secret):
            return hmac.compare_digest(self._value.encode(), other._value.encode())
        return NotImplemented

    def __hash__(self) -> int:
        return id(self)

    def __reduce__(self) -> NoReturn:
        raise TypeError("secrets cannot be pickled")

    def wipe(self) -> None:
        """Drop the reference (Python strings cannot be zeroed in place)."""
        self._value = ""
