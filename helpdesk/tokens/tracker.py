"""From PC/SC events to token events: a card in a reader becomes a TokenInfo.

On ``card_inserted`` the module registry picks the PKCS#11 library for the ATR and the
TokenWorker rescans that library (no PKCS#11 polling); the serials that appeared are
read and reported. On ``card_removed`` the worker is told at once (a read in flight is
then re-checked) and the library is rescanned to learn which serials left.
Callbacks run on the worker thread or the monitor thread: a UI must hop to its own
thread (Textual: ``post_message``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from helpdesk.tokens.model import ReaderEvent, TokenInfo
from helpdesk.tokens.modules import ModuleChoice, ModuleRegistry
from helpdesk.tokens.pkcs11 import ScanDiff, TokenWorker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenInserted:
    token: TokenInfo


@dataclass(frozen=True)
class TokenRemovedEvent:
    serial: str
    reader: str


@dataclass(frozen=True)
class UnsupportedCard:
    """A card whose PKCS#11 library is missing, or that holds no token we can read."""

    reader: str
    atr: str
    module: str
    installed: bool
    hint: str
    detail: str = ""


@dataclass(frozen=True)
class ReaderStatus:
    """Reader added/removed, monitor lost/recovered pcscd (passed through)."""

    event: ReaderEvent


TokenEvent = TokenInserted | TokenRemovedEvent | UnsupportedCard | ReaderStatus


class TokenTracker:
    def __init__(self, worker: TokenWorker, registry: ModuleRegistry, emit: Callable[[TokenEvent], None]) -> None:
        self.worker = worker
        self.registry = registry
        self.emit = emit
        self._lock = threading.Lock()
        self._reader_module: dict[str, ModuleChoice] = {}
        self._reader_serials: dict[str, set[str]] = {}
        self.pending: list[Future[Any]] = []  # for tests and orderly shutdown

    def handle(self, event: ReaderEvent) -> None:
        """Feed one PC/SC event (from the monitor thread)."""
        if event.kind == "card_inserted":
            self._inserted(event)
        elif event.kind == "card_removed":
            self._removed(event.reader)
        else:
            if event.kind == "reader_removed":
                self._removed(event.reader)
            self.emit(ReaderStatus(event))

    def _inserted(self, event: ReaderEvent) -> None:
        choice = self.registry.choose(event.reader, event.atr)
        if not choice.installed:
            self.emit(UnsupportedCard(event.reader, event.atr, choice.name, False, choice.install_hint))
            return
        with self._lock:
            self._reader_module[event.reader] = choice
        future = self.worker.rescan(choice, event.reader, event.atr)
        future.add_done_callback(lambda f: self._after_insert(event, choice, f))
        self.pending.append(future)

    def _after_insert(self, event: ReaderEvent, choice: ModuleChoice, future: Future[ScanDiff]) -> None:
        try:
            diff = future.result()
        except Exception as exc:  # reported to the operator, never raised into the monitor
            log.warning("rescan after insert failed: %s", exc)
            self.emit(UnsupportedCard(event.reader, event.atr, choice.name, True, "", detail=str(exc)))
            return
        with self._lock:
            self._reader_serials.setdefault(event.reader, set()).update(t.serial for t in diff.added)
        for serial in diff.removed:
            self.emit(TokenRemovedEvent(serial, event.reader))
        if not diff.added:
            self.emit(UnsupportedCard(event.reader, event.atr, choice.name, True, "",
                                      detail="The card holds no initialised token."))
        for token in diff.added:
            self.emit(TokenInserted(token))

    def _removed(self, reader: str) -> None:
        self.worker.note_card_removed(reader)
        with self._lock:
            choice = self._reader_module.pop(reader, None)
            serials = self._reader_serials.pop(reader, set())
        if choice is None:
            return
        future = self.worker.rescan(choice)
        future.add_done_callback(lambda f: self._after_remove(reader, serials, f))
        self.pending.append(future)

    def _after_remove(self, reader: str, serials: set[str], future: Future[ScanDiff]) -> None:
        try:
            gone = set(future.result().removed)
        except Exception as exc:
            log.warning("rescan after removal failed: %s", exc)
            gone = set()
        # A token seen in this reader is gone with the card even if the library is slow
        # to notice (it will not be used again until a new insert event).
        for serial in sorted(gone | serials):
            self.emit(TokenRemovedEvent(serial, reader))
        self.worker.forget_reader(reader)
