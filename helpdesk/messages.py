"""Messages into the kiosk UI: small dataclasses, posted from any thread.

The token tracker (PKCS#11 worker and PC/SC monitor threads) and thread workers post
these to the app with ``app.post_message`` (thread-safe); handlers run on the UI
thread. Widgets are touched only there. Not frozen: Textual's ``Message`` keeps
state on the instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from helpdesk.kiosk import Kiosk
    from helpdesk.operators import Operator
    from helpdesk.store import Record
    from helpdesk.tokens.model import ReaderEvent, TokenInfo
    from helpdesk.tokens.tracker import UnsupportedCard
    from helpdesk.workflow.types import Workflow


@dataclass
class TokenArrived(Message):
    """A token was inserted and read (no PIN): its identity, flags and certificates."""

    token: TokenInfo


@dataclass
class TokenLeft(Message):
    """The token with ``serial`` was pulled out of ``reader``."""

    serial: str
    reader: str


@dataclass
class TokenInserted(Message, bubble=False):
    """Sent by the app to every open screen: a token was inserted and read (no PIN)."""

    token: TokenInfo


@dataclass
class TokenRemoved(Message, bubble=False):
    """Sent by the app to every open screen: the token with ``serial`` was pulled out."""

    serial: str


@dataclass
class CardUnsupported(Message):
    """A card we cannot read (library missing, or no token on it), with the fix."""

    card: UnsupportedCard


@dataclass
class ReaderChanged(Message):
    """Reader plugged/unplugged, or pcscd lost/recovered (``event.kind``)."""

    event: ReaderEvent

    def can_replace(self, message: Message) -> bool:
        # A flapping reader floods: only the latest state of a reader matters.
        return isinstance(message, ReaderChanged) and message.event.reader == self.event.reader


@dataclass
class KioskReady(Message):
    """The record store, token worker and plugins are up (posted by the start-up worker)."""

    kiosk: Kiosk
    workflows: tuple[Workflow, ...]


@dataclass
class TokensChanged(Message, bubble=False):
    """Sent by the app to each screen when the set of tokens/cards changed."""


@dataclass
class LanguageChanged(Message, bubble=False):
    """Sent by the app to each screen after the interface language switched."""

    language: str


@dataclass
class LoggedIn(Message):
    """A log-in (password or token) succeeded; ``method`` is ``password`` or ``token``."""

    operator: Operator
    method: str


@dataclass
class Unlocked(Message):
    """The operator who locked the kiosk proved it is them again."""

    operator: Operator


@dataclass
class RecordSaved(Message, bubble=False):
    """A record was committed (posted from the committing thread by the store listener).

    Not bubbling: the app forwards it to the home screen, which must not send it back.
    """

    record: Record


@dataclass
class ActivityLoaded(Message):
    """Today's records, read from the store by a thread worker."""

    day: date
    records: list[Record]
