"""The kiosk's background relay: one thread pushing the outbox to the registry.

It pushes at start, whenever a record is saved (unless it is backing off), and every
``interval`` seconds; after a failure it waits with exponential backoff and jitter.
Records leave the outbox only on the registry's ack, so stopping or killing the
kiosk at any moment loses nothing and sends nothing twice into the registry.

The kiosk app starts it with :func:`start_relay` and stops it at exit.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpdesk.errors import HelpdeskError
from helpdesk.sync.backoff import Backoff
from helpdesk.sync.client import RegistryClient
from helpdesk.sync.identity import KioskIdentity, kiosk_identity, sync_dir
from helpdesk.sync.pusher import Pusher, PushResult
from helpdesk.sync.settings import SyncSettings, sync_settings
from helpdesk.sync.state import STATE_FILE, SyncState, load_state, save_state

if TYPE_CHECKING:
    from helpdesk.config import Settings
    from helpdesk.store import Store

log = logging.getLogger(__name__)

_running: dict[str, Relay] = {}  # data dir -> relay of this process (for the home screen)
_running_lock = threading.Lock()


def state_path(settings: Settings) -> Path:
    return sync_dir(settings) / STATE_FILE


def record_outcome(path: Path, state: SyncState, store: Store, when: str,
                   result: PushResult | None = None, error: BaseException | None = None) -> SyncState:
    """Update and save the state after one push (shared by the relay and ``sync now``)."""
    state.last_attempt = when
    if result is not None:
        state.sent_total += result.sent
        state.registry_head = result.head
        if result.rejected:
            first = result.rejected[0]
            state.last_error = {"message": "{count} records refused by the registry (first: {id}, {reason})",
                                "params": {"count": len(result.rejected), "id": first.get("id", ""),
                                           "reason": first.get("reason", "")}, "at": when}
        else:
            state.last_success = when
            state.last_error = None
    if error is not None:
        if isinstance(error, HelpdeskError):
            state.last_error = {"message": error.message, "params": {k: str(v) for k, v in error.params.items()},
                                "at": when}
        else:
            state.last_error = {"message": "Unexpected error: {error}", "params": {"error": type(error).__name__},
                                "at": when}
    state.pending = store.outbox.count()
    save_state(path, state)
    return state


class Relay:
    def __init__(self, store: Store, identity: KioskIdentity, config: SyncSettings, state_file: Path,
                 *, backoff: Backoff | None = None, client: RegistryClient | None = None) -> None:
        self.store = store
        self.identity = identity
        self.config = config
        self.state_file = state_file
        self.state = load_state(state_file)
        self.backoff = backoff or Backoff(base=1.0, cap=300.0)
        self.client = client or RegistryClient(config.registry_url, ca=config.registry_ca)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="helpdesk-sync", daemon=True)
        self.cycles = 0
        store.add_listener(self._record_saved)

    # --- life cycle ---------------------------------------------------------------
    def start(self) -> Relay:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self.client.close()

    def wake(self) -> None:
        """Push now (ignored while backing off after a failure)."""
        if self.backoff.failures == 0:
            self._wake.set()

    def _record_saved(self, record: Any) -> None:
        if not self._stop.is_set():
            self.wake()

    # --- the loop -----------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            delay = self.cycle()
            self._wake.wait(delay)
            self._wake.clear()

    def cycle(self) -> float:
        """One push; returns how long to wait before the next."""
        self.cycles += 1
        pusher = Pusher(self.store, self.identity, self.client, self.config.batch_size)
        when = self.store.now()
        try:
            result = pusher.push(stop=self._stop.is_set)
        except HelpdeskError as exc:
            log.warning("sync failed: %s", exc)
            record_outcome(self.state_file, self.state, self.store, when, error=exc)
            return self.backoff.next()
        except Exception as exc:  # a bug must not kill the relay: log it, back off, retry
            log.exception("sync failed unexpectedly")
            record_outcome(self.state_file, self.state, self.store, when, error=exc)
            return self.backoff.next()
        record_outcome(self.state_file, self.state, self.store, when, result=result)
        if result.rejected:
            return self.backoff.next()
        self.backoff.reset()
        return self.config.interval


def start_relay(store: Store, settings: Settings) -> Relay | None:
    """Start the background relay if ``registry_url`` is set; stop it with ``.stop()``.

    Never raises: without a registry, or when the kiosk key or ``[sync]`` settings are
    unusable, it returns None (the reason goes to the sync state, so the home screen
    shows it) and the kiosk runs on, its records waiting in the outbox.
    """
    try:
        config = sync_settings(settings)
        if not config.configured:
            return None
        relay = Relay(store, kiosk_identity(settings), config, state_path(settings)).start()
    except HelpdeskError as exc:
        log.warning("sync relay not started: %s", exc)
        path = state_path(settings)
        record_outcome(path, load_state(path), store, store.now(), error=exc)
        return None
    with _running_lock:
        _running[str(store.directory)] = relay
    return relay


def running_relay(settings: Settings) -> Relay | None:
    with _running_lock:
        relay = _running.get(str(settings.data_dir))
    return relay if relay is not None and relay._thread.is_alive() else None
