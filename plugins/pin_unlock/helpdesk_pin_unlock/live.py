"""Open unlock/change screens that want to hear about their token coming and going.

The ``helpdesk_token_inserted``/``helpdesk_token_removed`` hooks (UI thread) call
:func:`token_inserted`/:func:`token_removed`; a screen that saw its token pulled
mid-unlock re-reads it when it comes back and reports its state honestly.
Kept free of Textual so the plugin module stays light.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from helpdesk.tokens.model import TokenInfo


class TokenListener(Protocol):
    def token_came_back(self, token: TokenInfo) -> None: ...

    def token_went_away(self, serial: str) -> None: ...


_listeners: weakref.WeakSet[TokenListener] = weakref.WeakSet()


def listen(listener: TokenListener) -> None:
    _listeners.add(listener)


def forget(listener: TokenListener) -> None:
    _listeners.discard(listener)


def token_inserted(token: TokenInfo) -> None:
    for listener in list(_listeners):
        listener.token_came_back(token)


def token_removed(serial: str) -> None:
    for listener in list(_listeners):
        listener.token_went_away(serial)
