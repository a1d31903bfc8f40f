"""PC/SC: card-reader and card events from pcscd, surviving pcscd restarts.

:class:`ReaderMonitor` is ONE thread of our own looping over pyscard's low-level
``SCardGetStatusChange`` (pyscard's own CardMonitor/ReaderMonitor die for good when
pcscd is killed and print tracebacks over the TUI). It waits at most ``poll_ms`` per
call, so ``stop()`` is prompt, and it watches ``\\\\?PnP?\\Notification`` so reader
plug/unplug wakes it at once.

When pcscd goes away it emits ``monitor_error`` once, re-establishes its context with
a backoff capped at 1 s, then emits ``monitor_recovered`` and *replays* the difference
between what it reported before and what it sees now (a card pulled during the
outage gets its ``card_removed``; one that stayed gets nothing).

Nothing here writes to stdout/stderr: problems go to :mod:`logging` (with a
NullHandler, so Python's last-resort handler never prints over the terminal).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from smartcard import scard

from helpdesk.tokens.model import ReaderEvent

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

PNP_READER = "\\\\?PnP?\\Notification"
POLL_MS = 500
MAX_BACKOFF = 1.0
#: Re-list readers after this many idle polls, in case a PnP notification is missed.
RELIST_EVERY = 6
#: A context that worked this long (s) counts as recovered: the backoff restarts at 0.1 s.
STABLE_AFTER = 5.0

_MASK = 0xFFFFFFFF
_OK = 0
_TIMEOUT = scard.SCARD_E_TIMEOUT & _MASK
_CANCELLED = scard.SCARD_E_CANCELLED & _MASK
_NO_READERS = scard.SCARD_E_NO_READERS_AVAILABLE & _MASK
_READER_GONE = {
    scard.SCARD_E_UNKNOWN_READER & _MASK,
    scard.SCARD_E_READER_UNAVAILABLE & _MASK,
}
#: The daemon is gone or our context is dead: start over with a new context.
_SERVICE_LOST = {
    scard.SCARD_E_NO_SERVICE & _MASK,  # 0x8010001D
    scard.SCARD_E_SERVICE_STOPPED & _MASK,  # 0x8010001E
    scard.SCARD_F_COMM_ERROR & _MASK,  # 0x80100013: socket closed under us
    scard.SCARD_E_INVALID_HANDLE & _MASK,  # context from a previous daemon
    scard.SCARD_F_INTERNAL_ERROR & _MASK,
    scard.SCARD_E_UNKNOWN_RES_MNG & _MASK,
}

_GONE_STATES = scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_IGNORE
# pcsc-lite keeps a per-reader card event counter in the high word of the state.
_COUNTER_SHIFT = 16

_ERROR_NAMES: dict[int, str] = {
    getattr(scard, name) & _MASK: name
    for name in dir(scard)
    if name.startswith(("SCARD_E_", "SCARD_F_", "SCARD_W_"))
    and isinstance(getattr(scard, name), int)
}


def error_text(code: int) -> str:
    """``SCARD_E_NO_SERVICE (0x8010001D)`` for logs and event details."""
    code &= _MASK
    return f"{_ERROR_NAMES.get(code, 'SCARD error')} (0x{code:08X})"


class ServiceLost(Exception):
    """pcscd is unreachable or our context died (internal to this module)."""

    def __init__(self, code: int) -> None:
        super().__init__(error_text(code))
        self.code = code & _MASK


class _Unexpected(Exception):
    """Any other PC/SC failure: handled like a lost service (start over)."""

    def __init__(self, code: int) -> None:
        super().__init__(error_text(code))
        self.code = code & _MASK


def _atr_hex(atr: Any) -> str:
    return bytes(atr or b"").hex().upper()


# -- one-shot queries ------------------------------------------------------------


def _establish() -> int:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult & _MASK != _OK:
        raise ServiceLost(hresult)
    return int(context)


def _release(context: int | None) -> None:
    if context is None:
        return
    try:
        scard.SCardReleaseContext(context)
    except Exception:  # a context of a dead daemon may refuse; nothing to do
        log.debug("releasing PC/SC context failed", exc_info=True)


def _list_readers(context: int) -> list[str]:
    hresult, readers = scard.SCardListReaders(context, [])
    code = hresult & _MASK
    if code == _NO_READERS:
        return []
    if code != _OK:
        raise ServiceLost(code) if code in _SERVICE_LOST else _Unexpected(code)
    return [str(r) for r in readers]


def _card_states(context: int, readers: list[str]) -> dict[str, tuple[int, str | None]]:
    """reader -> (event state, ATR hex or None when the slot is empty)."""
    if not readers:
        return {}
    hresult, states = scard.SCardGetStatusChange(
        context, 0, [(r, scard.SCARD_STATE_UNAWARE) for r in readers]
    )
    code = hresult & _MASK
    if code != _OK:
        raise ServiceLost(code) if code in _SERVICE_LOST else _Unexpected(code)
    return {str(r): (int(s), _card_of(int(s), atr)) for r, s, atr in states}


def _card_of(state: int, atr: Any) -> str | None:
    if state & scard.SCARD_STATE_PRESENT and not state & scard.SCARD_STATE_EMPTY:
        return _atr_hex(atr)
    return None


def snapshot() -> list[tuple[str, str]]:
    """``[(reader, atr_hex_or_empty)]`` right now; ``[]`` if pcscd is down or no reader."""
    context = None
    try:
        context = _establish()
        states = _card_states(context, _list_readers(context))
    except Exception as exc:  # ServiceLost, _Unexpected, or pyscard surprises
        log.debug("PC/SC snapshot failed: %s", exc)
        return []
    finally:
        _release(context)
    return [(reader, atr or "") for reader, (_state, atr) in states.items()]


def pcscd_status() -> str:
    """``ok`` | ``no_service`` (pcscd not running) | ``no_readers`` — for ``helpdesk doctor``."""
    context = None
    try:
        context = _establish()
        readers = _list_readers(context)
    except Exception as exc:
        log.debug("pcscd status: %s", exc)
        return "no_service"
    finally:
        _release(context)
    return "ok" if readers else "no_readers"


_EVENT_TEXT = {
    "reader_added": "Card reader connected: {reader}",
    "reader_removed": "Card reader disconnected: {reader}",
    "card_inserted": "Token inserted in {reader}",
    "card_removed": "Token removed from {reader}",
    "monitor_error": "Lost contact with the smart-card service (pcscd); retrying…",
    "monitor_recovered": "Smart-card service (pcscd) is back",
}


def describe_event(event: ReaderEvent) -> str:
    """One line for the operator, in the interface language (status bar, logs)."""
    from helpdesk.i18n import _

    template = _EVENT_TEXT.get(event.kind)
    if template is None:
        return f"{event.kind} {event.reader}".strip()
    return _(template).format(reader=event.reader)


# -- the monitor -----------------------------------------------------------------


class ReaderMonitor:
    """Watch readers and cards; call ``callback(ReaderEvent)`` from the monitor thread.

    The first events after ``start()`` describe the initial state (``reader_added``
    for each reader, ``card_inserted`` for each card present). The callback runs on
    the monitor thread: keep it short (post a message, put on a queue). An exception
    in it is logged and the monitor carries on.
    """

    def __init__(
        self,
        callback: Callable[[ReaderEvent], None],
        *,
        poll_ms: int = POLL_MS,
        max_backoff: float = MAX_BACKOFF,
    ) -> None:
        self._callback = callback
        self._poll_ms = poll_ms
        self._max_backoff = max_backoff
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._context_lock = threading.Lock()
        self._context: int | None = None
        # What we have reported: reader -> ATR hex of the card in it, None if empty.
        self._known: dict[str, str | None] = {}
        self._known_lock = threading.Lock()

    # public ---------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        with self._known_lock:
            self._known.clear()  # a (re)start reports the whole state again
        self._thread = threading.Thread(target=self._run, name="pcsc-monitor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop and join the thread (wakes a blocked wait with ``SCardCancel``)."""
        self._stop.set()
        with self._context_lock:
            if self._context is not None:
                try:
                    scard.SCardCancel(self._context)
                except Exception:
                    log.debug("SCardCancel failed", exc_info=True)
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def current(self) -> dict[str, str | None]:
        """Readers as last reported: reader -> card ATR hex, or None for an empty slot."""
        with self._known_lock:
            return dict(self._known)

    # thread -----------------------------------------------------------------------

    def _run(self) -> None:
        failing = False
        delay = 0.1
        watched_since = 0.0
        while not self._stop.is_set():
            context: int | None = None
            try:
                context = _establish()
                with self._context_lock:
                    self._context = context
                if self._stop.is_set():
                    break
                if failing:
                    log.info("PC/SC service is back")
                    failing = False
                    self._emit(ReaderEvent("monitor_recovered", ""))
                watched_since = time.monotonic()
                self._watch(context)
            except (ServiceLost, _Unexpected) as exc:
                if not failing:
                    log.info("PC/SC monitor lost the service: %s", exc)
                    failing = True
                    self._emit(ReaderEvent("monitor_error", "", detail=str(exc)))
            except Exception as exc:  # never let the thread die (or print a traceback)
                log.exception("PC/SC monitor failed; restarting it")
                if not failing:
                    failing = True
                    self._emit(ReaderEvent("monitor_error", "", detail=repr(exc)))
            finally:
                with self._context_lock:
                    self._context = None
                _release(context)
            if context is not None and time.monotonic() - watched_since > STABLE_AFTER:
                delay = 0.1  # it had been working: retry fast
            if self._stop.wait(delay):
                break
            # Keep backing off when a fresh context fails again at once, so a
            # persistent error cannot flood error/recovered events.
            delay = min(delay * 2, self._max_backoff)

    def _watch(self, context: int) -> None:
        """Follow changes until stopped; raise ServiceLost when the daemon goes."""
        pnp_state = scard.SCARD_STATE_UNAWARE
        states = self._resync(context)  # reader -> last event state
        idle = 0
        while not self._stop.is_set():
            query = [(r, s) for r, s in states.items()]
            query.append((PNP_READER, pnp_state))
            hresult, results = scard.SCardGetStatusChange(context, self._poll_ms, query)
            code = hresult & _MASK
            if code in (_TIMEOUT, _CANCELLED):
                idle += 1
                if idle % RELIST_EVERY == 0 and set(_list_readers(context)) != set(states):
                    states = self._resync(context, previous=states)
                continue
            if code in _READER_GONE:
                states = self._resync(context)
                continue
            if code != _OK:
                raise ServiceLost(code) if code in _SERVICE_LOST else _Unexpected(code)
            relist = False
            for reader, state, atr in results:
                reader, state = str(reader), int(state)
                if reader == PNP_READER:
                    if state & scard.SCARD_STATE_CHANGED:
                        relist = True
                    pnp_state = state & ~scard.SCARD_STATE_CHANGED
                    continue
                if not state & scard.SCARD_STATE_CHANGED:
                    continue
                if state & _GONE_STATES:
                    relist = True
                    continue
                self._card_changed(reader, states.get(reader, 0), state, _card_of(state, atr))
                states[reader] = state & ~scard.SCARD_STATE_CHANGED
            if relist:
                states = self._resync(context, previous=states)

    def _resync(
        self, context: int, previous: dict[str, int] | None = None
    ) -> dict[str, int]:
        """Compare pcscd's readers and cards with what we reported; emit the difference."""
        now = _card_states(context, _list_readers(context))
        previous = previous or {}
        with self._known_lock:
            known = dict(self._known)
        for reader in sorted(set(known) - set(now)):
            if known[reader] is not None:
                self._emit(ReaderEvent("card_removed", reader, known[reader] or ""))
            self._forget(reader)
            self._emit(ReaderEvent("reader_removed", reader))
        for reader in sorted(now):
            state, card = now[reader]
            if reader not in known:
                self._remember(reader, None)
                self._emit(ReaderEvent("reader_added", reader))
            self._card_changed(reader, previous.get(reader, state), state, card)
        return {reader: state & ~scard.SCARD_STATE_CHANGED for reader, (state, _) in now.items()}

    def _card_changed(self, reader: str, old_state: int, state: int, card: str | None) -> None:
        with self._known_lock:
            before = self._known.get(reader)
        # Same card both times, but pcsc-lite counted events in between: it was
        # pulled and put back (or swapped for one with the same ATR) between polls.
        swapped = (
            before is not None
            and card == before
            and (old_state >> _COUNTER_SHIFT) != (state >> _COUNTER_SHIFT)
        )
        if before is not None and (card != before or swapped):
            self._remember(reader, None)
            self._emit(ReaderEvent("card_removed", reader, before))
            before = None
        if card is not None and before is None:
            self._remember(reader, card)
            detail = "mute" if state & scard.SCARD_STATE_MUTE else ""
            self._emit(ReaderEvent("card_inserted", reader, card, detail=detail))

    def _remember(self, reader: str, card: str | None) -> None:
        with self._known_lock:
            self._known[reader] = card

    def _forget(self, reader: str) -> None:
        with self._known_lock:
            self._known.pop(reader, None)

    def _emit(self, event: ReaderEvent) -> None:
        log.debug("PC/SC event %s", event)
        try:
            self._callback(event)
        except Exception:
            log.exception("PC/SC event callback failed for %s", event)
