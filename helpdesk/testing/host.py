"""A small host app for testing one workflow screen under Pilot, and a reader to feed it.

- :class:`ScreenHost`: the smallest kiosk — it opens one screen (or a factory's) as the
  kiosk's menu would and forwards the token tracker's events to the screen on top as the
  door's ``TokenInserted`` / ``TokenRemoved`` messages, as the kiosk app does;
- :class:`ReaderDesk`: SoftHSM2 tokens put into and taken out of a reader through the
  kiosk's real :class:`~helpdesk.tokens.tracker.TokenTracker`, fed the PC/SC events a
  reader sends (no pcscd needed: the PKCS#11 side is real);
- :func:`type_text`: keys for a text, one press a character.

Plugin tests use these instead of writing their own host (``from helpdesk.testing.host
import ScreenHost, ReaderDesk``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.screen import Screen

from helpdesk.messages import TokenInserted, TokenRemoved
from helpdesk.testing.fixtures_tokens import TEST_CARD_ATR
from helpdesk.tokens.model import ReaderEvent, TokenInfo
from helpdesk.tokens.modules import ModuleRegistry
from helpdesk.tokens.tracker import TokenInserted as TrackerTokenInserted
from helpdesk.tokens.tracker import TokenRemovedEvent, TokenTracker

#: The reader name vpcd gives its first virtual reader (what a test's events name).
READER = "Virtual PCD 00 00"

#: Keys Pilot presses for the punctuation found in names, paths and numbers.
PUNCTUATION_KEYS = {" ": "space", "/": "slash", ".": "full_stop", "-": "minus", "_": "underscore",
                    ",": "comma", ":": "colon"}


class ScreenHost(App[None]):
    """Opens ``first`` (a screen, or a function making one when the app mounts)."""

    def __init__(self, first: Screen[Any] | Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.first = first

    def on_mount(self) -> None:
        self.push_screen(self.first if isinstance(self.first, Screen) else self.first())

    def token_event(self, event: object) -> None:
        """The tracker's callback (on its threads): the screen on top gets the door's message."""
        if isinstance(event, TrackerTokenInserted):
            self.screen.post_message(TokenInserted(event.token))
        elif isinstance(event, TokenRemovedEvent):
            self.screen.post_message(TokenRemoved(event.serial))

    def inserted(self, token: TokenInfo) -> None:
        """What the kiosk app tells the open screen when a token was inserted and read."""
        self.screen.post_message(TokenInserted(token))

    def pulled(self, serial: str) -> None:
        """What the kiosk app tells the open screen when a token left the reader."""
        self.screen.post_message(TokenRemoved(serial))


@dataclass
class ReaderDesk:
    """A kiosk, the SoftHSM2 store behind its worker, and a reader fed to a real tracker."""

    kiosk: Any  # helpdesk.kiosk.Kiosk
    softhsm: Any  # helpdesk.testing.softhsm.SoftHSMStore
    registry: ModuleRegistry
    atr: str = TEST_CARD_ATR
    host: ScreenHost | None = None
    tracker: TokenTracker | None = None

    def app(self, screen: Screen[Any] | Callable[[], Screen[Any]]) -> ScreenHost:
        self.host = ScreenHost(screen)
        self.tracker = TokenTracker(self.kiosk.worker, self.registry, self.host.token_event)
        return self.host

    def insert(self, token: Any) -> None:
        """Put a provisioned token into the reader: the tracker reads it, the screen hears."""
        self.softhsm.insert(token)
        assert self.tracker is not None, "call app() first"
        self.tracker.handle(ReaderEvent("card_inserted", READER, atr=self.atr))

    def pull(self, token: Any) -> None:
        """Take it out, and wait for the rescan that notices (before a next insert)."""
        self.softhsm.remove(token)
        assert self.tracker is not None, "call app() first"
        self.tracker.handle(ReaderEvent("card_removed", READER))
        for future in list(self.tracker.pending):
            future.result(timeout=30)


async def type_text(pilot: Any, text: str) -> None:
    """Press the keys that type ``text`` into the focused input."""
    for char in text:
        await pilot.press(char if char.isalnum() else PUNCTUATION_KEYS[char])
