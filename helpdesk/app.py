"""The kiosk's Textual app: log-in, home screen, workflows from plugins, idle lock.

``make_app(settings)`` builds it for ``helpdesk`` (no arguments) and for tests, which
pass their own token worker, record store, reader monitor, clock and idle time.

Threads: the record store, the token worker and plugins start in a thread worker
after the first frame. The PC/SC monitor and the token tracker call back on their
own threads; those callbacks only ``post_message`` (thread-safe). Token, disk and
printer work runs in ``@work(thread=True, exit_on_error=False)`` workers whose errors
become notifications (``HelpdeskError.localized()``), never a crash. An exception
escaping a plugin's screen is blamed on that plugin (marked failed, its workflows
leave the menu) and its screen is closed; the kiosk stays up.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from helpdesk import i18n
from helpdesk.config import Settings
from helpdesk.errors import HelpdeskError, StoreError
from helpdesk.i18n import _
from helpdesk.messages import (
    CardUnsupported,
    KioskReady,
    LanguageChanged,
    LoggedIn,
    ReaderChanged,
    RecordSaved,
    TokenArrived,
    TokenInserted,
    TokenLeft,
    TokenRemoved,
    TokensChanged,
    Unlocked,
)
from helpdesk.screens.login import LockScreen, LoginScreen

if TYPE_CHECKING:
    from helpdesk.kiosk import Kiosk
    from helpdesk.operators.accounts import Operator, OperatorBook
    from helpdesk.secret import Secret
    from helpdesk.store import Record, Store
    from helpdesk.tokens.model import ReaderEvent, TokenInfo
    from helpdesk.tokens.pkcs11 import TokenWorker
    from helpdesk.tokens.tracker import TokenEvent, UnsupportedCard
    from helpdesk.workflow.types import Problem, Workflow

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Keys the core keeps for itself; a workflow asking for one gets a free F-key instead.
RESERVED_KEYS = frozenset({
    "f1", "f5", "f10", "f11", "f12", "ctrl+l", "ctrl+o", "ctrl+p", "ctrl+q", "ctrl+c",
    "tab", "shift+tab", "enter", "escape", "up", "down", "left", "right",
})
#: Keys handed to workflows that did not ask for one, in menu order.
FREE_KEYS = ("f2", "f3", "f4", "f6", "f7", "f8", "f9")


class Monitor(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


#: Builds the reader monitor around the app's event callback (``ReaderMonitor`` is one).
MonitorFactory = Callable[[Callable[["ReaderEvent"], None]], Monitor]


class _NoMonitor:
    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


def no_monitor(callback: Callable[[ReaderEvent], None]) -> Monitor:
    """A monitor factory for a kiosk without PC/SC (tests, snapshots): no reader events."""
    return _NoMonitor()


def menu_for(role: str, workflows: Iterable[Workflow]) -> list[Workflow]:
    """The workflows ``role`` may run, in menu order: those made for this very role first
    (a trainer's class check-in), then by ``order``. An admin, who may run everything but
    works no desk of their own, gets the plain order (handover first at a handover desk)."""
    from helpdesk.operators.accounts import has_role

    allowed = [w for w in workflows if has_role(role, w.role)]
    if role == "admin":
        return allowed
    return sorted(allowed, key=lambda w: w.role != role)  # stable: ``order`` within each group


def assign_keys(workflows: Iterable[Workflow]) -> dict[str, str]:
    """Workflow id -> key: its own if free and not reserved, else the next free F-key."""
    keys: dict[str, str] = {}
    used: set[str] = set()
    wanting = []
    for wf in workflows:
        key = wf.key.strip().lower()
        if key and key not in RESERVED_KEYS and key not in used:
            keys[wf.id] = key
            used.add(key)
        else:
            wanting.append(wf)
    free = iter(k for k in FREE_KEYS if k not in used)
    for wf in wanting:
        spare = next(free, None)
        if spare is None:
            break  # still in the menu and the command palette, just without a key
        keys[wf.id] = spare
    return keys


class HelpdeskApp(App[None]):
    """The kiosk. Public state read by screens: ``tokens``, ``unsupported``, ``operator``."""

    CSS_PATH = "app.tcss"
    TITLE = "helpdesk"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "toggle_keys", "Keys", priority=True),
        Binding("f12", "toggle_language", "English/Tiếng Việt", priority=True),
        Binding("ctrl+l", "toggle_language", "English/Tiếng Việt", priority=True, show=False),
        Binding("f11", "lock", "Lock", priority=True),
        Binding("ctrl+o", "logout", "Log out", priority=True),
        Binding("ctrl+p", "command_palette", "Commands", priority=True, show=False),  # footer shows it at the end
        Binding("f10", "quit", "Quit", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        worker: TokenWorker | None = None,
        monitor: MonitorFactory | None = None,
        store: Store | None = None,
        clock: Callable[[], datetime] | None = None,
        idle_lock_seconds: float | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self._book: OperatorBook | None = None
        self.idle_lock_seconds = float(settings.idle_lock_minutes * 60 if idle_lock_seconds is None else idle_lock_seconds)
        self._given_worker = worker
        self._given_store = store
        self._monitor_factory = monitor
        self._clock = clock or (lambda: datetime.now(UTC))
        self.kiosk: Kiosk | None = None
        self.operator: Operator | None = None
        self.workflows: tuple[Workflow, ...] = ()
        self.tokens: dict[str, TokenInfo] = {}  # serial -> token, oldest first
        self.token_notes: dict[str, list[Problem]] = {}  # serial -> plugins' notes (helpdesk_token_notes)
        self.unsupported: dict[str, UnsupportedCard] = {}  # reader -> card
        self.readers: set[str] = set()
        self.pcsc_down = False
        self._owners: dict[str, Operator | None] = {}  # token serial -> account it logs in
        self._monitor: Monitor | None = None
        self._relay: Any = None  # the sync relay to the registry (helpdesk.sync), when configured
        self._services_ready = threading.Event()
        self._start_error: BaseException | None = None
        self._last_input = time.monotonic()
        self._plugin_screens: dict[Screen[Any], Workflow] = {}
        self._startup_hook_called = False
        self._closing = False

    @property
    def book(self) -> OperatorBook:
        """The operator accounts of this kiosk's data folder (imported on first use)."""
        if self._book is None:
            from helpdesk.operators.accounts import OperatorBook

            self._book = OperatorBook(self.settings.data_dir)
        return self._book

    # ---- clock and state read by screens ------------------------------------------------
    def now(self) -> datetime:
        """The current time (UTC, aware); injectable so tests and snapshots can freeze it."""
        return self._clock()

    @property
    def current_token(self) -> TokenInfo | None:
        """The token a workflow works on: the one inserted last."""
        return next(reversed(self.tokens.values()), None)

    def reader_note(self) -> str:
        if self.pcsc_down:
            return _("The card service (pcscd) is not running: tokens cannot be seen.")
        if not self.readers and not self.tokens:
            return _("No card reader is connected.")
        return ""

    def token_owner(self, token: TokenInfo) -> Operator | None:
        return self._owners.get(token.serial)

    # ---- start-up ------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.title = self.settings.organisation.name
        self.push_screen(LoginScreen())
        self.set_interval(max(0.05, min(5.0, self.idle_lock_seconds / 4)), self._check_idle)
        # After the first frame: the start-up thread's imports (store, PKCS#11, forms)
        # would otherwise compete for the GIL with the first paint.
        self.call_after_refresh(self._start_services)

    @work(thread=True, exclusive=True, exit_on_error=False, group="startup")
    def _start_services(self) -> None:
        from helpdesk import plugins

        try:
            kiosk = self._open_kiosk()
        except BaseException as exc:
            self._start_error = exc
            self._services_ready.set()
            raise
        kiosk.store.add_listener(self._record_saved)
        workflows = plugins.collect_workflows().value
        self._monitor = self._make_monitor(kiosk)
        self.kiosk = kiosk
        # Imported here, not at module level: the TUI's first frame does not wait for sync code.
        from helpdesk.sync.relay import start_relay

        self._relay = start_relay(kiosk.store, self.settings)  # None without registry_url; never raises
        if self._closing:  # quit during start-up: on_unmount found nothing to stop yet
            self._stop_services()
            return
        if not self.book.all():  # first start: say how to create the first account
            self.notify(_("No operator accounts yet. Create one: helpdesk operator add NAME --name '…' --role admin"),
                        severity="warning", timeout=30, markup=False)
        self.post_message(KioskReady(kiosk, workflows))
        self._services_ready.set()
        self._monitor.start()

    def _open_kiosk(self) -> Kiosk:
        from helpdesk.kiosk import make_token_worker, open_kiosk
        from helpdesk.store import open_store

        store = self._given_store or open_store(self.settings.data_dir, self.settings.kiosk_id)
        try:
            worker = self._given_worker or make_token_worker(self.settings)
            return open_kiosk(self.settings, worker=worker, store=store)
        except BaseException:
            if self._given_store is None:
                store.close()
            raise

    def _make_monitor(self, kiosk: Kiosk) -> Monitor:
        """The reader monitor feeding the token tracker; without PC/SC the kiosk still
        runs (log-in, records), and says tokens cannot be seen."""
        from helpdesk.tokens.tracker import TokenTracker

        tracker = TokenTracker(kiosk.worker, kiosk.worker.registry, self._token_event)

        def on_reader_event(event: ReaderEvent) -> None:  # monitor thread
            self.post_message(ReaderChanged(event))
            tracker.handle(event)

        try:
            factory = self._monitor_factory
            if factory is None:
                from helpdesk.tokens.pcsc import ReaderMonitor

                factory = ReaderMonitor
            return factory(on_reader_event)
        except Exception as exc:
            log.exception("no reader monitor")
            self.pcsc_down = True
            self.show_error(exc)  # notify() is thread-safe
            return _NoMonitor()

    def _record_saved(self, record: Record) -> None:  # committing thread
        self.post_message(RecordSaved(record))

    def on_kiosk_ready(self, message: KioskReady) -> None:
        self.workflows = message.workflows
        self.show_plugin_failures()

    def on_unmount(self) -> None:
        self._closing = True
        self._stop_services()

    def _stop_services(self) -> None:
        """Stop what the app started (never what a test handed in)."""
        if self._monitor is not None:
            self._monitor.stop()
        if self._relay is not None:
            self._relay.stop()  # before the store closes: a batch in flight is marked or resent
        if self.kiosk is not None:
            if self._given_worker is None:
                self.kiosk.worker.stop()
            if self._given_store is None:
                self.kiosk.store.close()

    def _wait_ready(self) -> Kiosk:
        """For thread workers: the kiosk once started, or the reason it did not start."""
        self._services_ready.wait(60)
        if self.kiosk is None:
            reason = self._start_error
            if isinstance(reason, HelpdeskError):
                raise reason
            raise StoreError("The kiosk could not start: {error}", error=str(reason or "timeout"))
        return self.kiosk

    # ---- tokens (callbacks from other threads post; handlers run on the UI thread) -------
    def _token_event(self, event: TokenEvent) -> None:
        from helpdesk.tokens import tracker

        if isinstance(event, tracker.TokenInserted):
            self.post_message(TokenArrived(event.token))
        elif isinstance(event, tracker.TokenRemovedEvent):
            self.post_message(TokenLeft(event.serial, event.reader))
        elif isinstance(event, tracker.UnsupportedCard):
            self.post_message(CardUnsupported(event))
        # ReaderStatus: already posted as ReaderChanged by the monitor callback

    def handle_token_event(self, event: TokenEvent) -> None:
        """Feed a tracker event directly (thread-safe): the same path the tracker uses."""
        self._token_event(event)

    def on_token_arrived(self, message: TokenArrived) -> None:
        from helpdesk import plugins

        token = message.token
        self.tokens.pop(token.serial, None)
        self.tokens[token.serial] = token
        if token.reader:
            self.unsupported.pop(token.reader, None)
        self._broadcast(TokensChanged)
        for screen in self.screen_stack:
            screen.post_message(TokenInserted(token))
        self._find_owner(token)
        self._find_notes(token)
        plugins.notify_token_inserted(token)
        self.show_plugin_failures()

    def on_token_left(self, message: TokenLeft) -> None:
        from helpdesk import plugins

        if self.tokens.pop(message.serial, None) is not None:
            self._owners.pop(message.serial, None)
            self.token_notes.pop(message.serial, None)
            self._broadcast(TokensChanged)
            for screen in self.screen_stack:
                screen.post_message(TokenRemoved(message.serial))
            plugins.notify_token_removed(message.serial)
            self.show_plugin_failures()

    def on_card_unsupported(self, message: CardUnsupported) -> None:
        self.unsupported[message.card.reader] = message.card
        self._broadcast(TokensChanged)

    def on_reader_changed(self, message: ReaderChanged) -> None:
        event = message.event
        if event.kind == "monitor_error":
            self.pcsc_down = True
        elif event.kind == "monitor_recovered":
            self.pcsc_down = False
        elif event.kind == "reader_removed":
            self.readers.discard(event.reader)
            self.unsupported.pop(event.reader, None)
        else:
            self.readers.add(event.reader)
            if event.kind == "card_removed":
                self.unsupported.pop(event.reader, None)
        self._broadcast(TokensChanged)

    @work(thread=True, exit_on_error=False, group="owners")
    def _find_owner(self, token: TokenInfo) -> None:
        from helpdesk.operators.token_login import candidates

        found = candidates(self.book, token)
        owner = found[0][0] if found else None
        self.call_from_thread(self._set_owner, token.serial, owner)

    @work(thread=True, exit_on_error=False, group="token-notes")
    def _find_notes(self, token: TokenInfo) -> None:
        from helpdesk import plugins

        notes = plugins.token_notes(token).value
        self.call_from_thread(self._set_notes, token.serial, notes)

    def _set_notes(self, serial: str, notes: list[Problem]) -> None:
        if serial in self.tokens:
            self.token_notes[serial] = notes
            self._broadcast(TokensChanged)

    def _set_owner(self, serial: str, owner: Operator | None) -> None:
        if serial in self.tokens:
            self._owners[serial] = owner
            self._broadcast(TokensChanged)

    def _broadcast(self, kind: type[TokensChanged]) -> None:
        for screen in self.screen_stack:
            screen.post_message(kind())

    # ---- operators ----------------------------------------------------------------------
    def _audit(self, kiosk: Kiosk, operator_id: str, action: str, detail: str) -> None:
        self.book.audit_session(kiosk.store, operator_id, action, detail)

    def authenticate_password(self, operator_id: str, password: Secret, *, unlocking: Operator | None = None) -> Operator:
        """Thread workers only (scrypt, disk). Audits success and failure."""
        from helpdesk.operators.accounts import LoginFailed

        kiosk = self._wait_ready()
        try:
            operator = self.book.authenticate(operator_id, password)
        except LoginFailed:
            self._audit(kiosk, operator_id, "session.login_failed", "password")
            raise
        return self._admit(kiosk, operator, "password", unlocking)

    def authenticate_token(self, token: TokenInfo, operator_id: str, pin: Secret, *,
                           unlocking: Operator | None = None) -> Operator:
        """Thread workers only: PIN log-in on the token and a signed challenge."""
        from helpdesk.operators.token_login import login_with_token

        kiosk = self._wait_ready()
        try:
            operator = login_with_token(self.book, kiosk.worker, token, pin, operator_id=operator_id, now=self.now())
        except HelpdeskError:
            self._audit(kiosk, operator_id, "session.login_failed", f"token {token.serial}")
            raise
        return self._admit(kiosk, operator, f"token {token.serial}", unlocking)

    def _admit(self, kiosk: Kiosk, operator: Operator, method: str, unlocking: Operator | None) -> Operator:
        from helpdesk.operators.accounts import LoginFailed

        if unlocking is not None and operator.id != unlocking.id:
            raise LoginFailed("Only {name} can unlock the kiosk; press Ctrl+O to switch operator.",
                              name=unlocking.full_name)
        self._audit(kiosk, operator.id, "session.unlock" if unlocking else "session.login", method)
        return operator

    def on_logged_in(self, message: LoggedIn) -> None:
        from helpdesk import plugins
        from helpdesk.screens.home import home_screen

        self.operator = message.operator
        self._last_input = time.monotonic()
        pm = plugins.get_plugin_manager()
        allowed = [w for w in menu_for(message.operator.role, self.workflows) if pm.state_of(w.plugin) == "ok"]
        self.push_screen(home_screen(message.operator, allowed, assign_keys(allowed)))
        if not self._startup_hook_called:
            self._startup_hook_called = True
            self.call_after_refresh(self._startup_hook)

    def _startup_hook(self) -> None:
        from helpdesk import plugins

        plugins.startup(self)
        self.show_plugin_failures()

    def on_unlocked(self, message: Unlocked) -> None:
        self._last_input = time.monotonic()
        if isinstance(self.screen, LockScreen):
            self.pop_screen()

    @property
    def locked(self) -> bool:
        return any(isinstance(s, LockScreen) for s in self.screen_stack)

    def action_lock(self) -> None:
        if self.operator is not None and not self.locked:
            self.push_screen(LockScreen(self.operator))

    async def action_logout(self) -> None:
        operator, self.operator = self.operator, None
        if operator is None:
            return
        kiosk = self.kiosk
        if kiosk is not None:
            self._audit_in_thread(kiosk, operator.id, "session.logout")
        while len(self.screen_stack) > 1 and type(self.screen) is not LoginScreen:
            await self.pop_screen()

    @work(thread=True, exit_on_error=False, group="audit")
    def _audit_in_thread(self, kiosk: Kiosk, operator_id: str, action: str) -> None:
        self._audit(kiosk, operator_id, action, "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("lock", "logout"):
            return self.operator is not None
        return True

    # ---- idle lock ----------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollDown | events.MouseScrollUp | events.Paste):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def _check_idle(self) -> None:
        if self.operator is None or self.locked:
            return
        if time.monotonic() - self._last_input >= self.idle_lock_seconds:
            self.action_lock()

    # ---- language -----------------------------------------------------------------------
    def action_toggle_language(self) -> None:
        self.set_language("en" if i18n.get_language() == "vi" else "vi")

    def set_language(self, language: str) -> None:
        i18n.set_language(language)
        self.title = self.settings.organisation.name
        for screen in self.screen_stack:
            screen.post_message(LanguageChanged(language))

    def binding_label(self, action: str, description: str) -> str:
        """What the footer shows for a binding, in the current language."""
        if action == "toggle_language":  # name the language it switches to, in that language
            return "English" if i18n.get_language() == "vi" else "Tiếng Việt"
        if action.startswith("open_workflow("):
            wf = next((w for w in self.workflows if w.id == description), None)
            return wf.title() if wf else description
        return i18n.gettext(description)

    def get_key_display(self, binding: Binding) -> str:
        if binding.key_display is None and re.fullmatch(r"f\d{1,2}", binding.key):
            return binding.key.upper()
        return super().get_key_display(binding)

    def action_toggle_keys(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield SystemCommand(_("Switch language"), _("Tiếng Việt / English (F12)"), self.action_toggle_language)
        if self.operator is not None and not self.locked:
            from helpdesk.screens.home import HomeScreen

            for home in (s for s in self.screen_stack if isinstance(s, HomeScreen)):
                for wf in home.workflows:
                    if wf.offered_for(self.current_token):
                        yield SystemCommand(wf.title(), _("Open this workflow"), partial(self.open_workflow, wf.id))
            yield SystemCommand(_("Lock"), _("Lock the kiosk now (F11)"), self.action_lock)
            yield SystemCommand(_("Log out"), _("End this operator's session (Ctrl+O)"), self.action_logout)
        yield SystemCommand(_("Keys"), _("Show the keys of this screen (F1)"), self.action_toggle_keys)
        yield SystemCommand(_("Quit"), _("Close the kiosk (F10)"), self.action_quit)

    # ---- workflows ----------------------------------------------------------------------
    def open_workflow(self, workflow_id: str) -> None:
        """Build the plugin's screen for the current token and push it; a plugin that
        fails here is marked failed and its workflows leave the menu."""
        from helpdesk import plugins
        from helpdesk.operators.accounts import has_role

        wf = next((w for w in self.workflows if w.id == workflow_id), None)
        if wf is None or self.operator is None or self.kiosk is None or self.locked:
            return
        if not has_role(self.operator.role, wf.role):
            self.notify(_("Your role cannot start this workflow."), severity="warning")
            return
        token = self.current_token
        if not wf.offered_for(token):
            self.notify(_("Insert a token first.") if token is None else _("This workflow does not apply to this token."),
                        severity="warning")
            return
        try:
            screen = wf.open(self.kiosk.context(self.operator.ref(), token))
            if not isinstance(screen, Screen):
                raise TypeError(f"workflow {wf.id} screen factory returned {type(screen).__name__}, not a Screen")
        except Exception as exc:
            plugins.report_failure(wf.plugin, "screen", exc)
            self.show_plugin_failures()
            return
        self._plugin_screens = {s: w for s, w in self._plugin_screens.items() if s in self.screen_stack}
        self._plugin_screens[screen] = wf
        self.push_screen(screen)

    def show_plugin_failures(self) -> None:
        """Each plugin failure, once, as a notification; failed plugins leave the menu."""
        from helpdesk import plugins
        from helpdesk.screens.home import HomeScreen

        for failure in plugins.new_failures():
            log.error("plugin failure: %s", failure.error)
            self.notify(failure.localized(), title=_("Plugin"), severity="error", timeout=20, markup=False)
            for home in (s for s in self.screen_stack if isinstance(s, HomeScreen)):
                home.drop_workflows_of(failure.plugin)

    def _plugin_to_blame(self, error: BaseException) -> Workflow | None:
        """The open workflow whose plugin code is in the traceback of ``error``."""
        from helpdesk import plugins

        pm = plugins.get_plugin_manager()
        for screen, wf in list(self._plugin_screens.items()):
            modules = {type(screen).__module__}
            owner = pm.get_plugin_object(wf.plugin)
            if owner is not None:
                modules.add(owner.__name__ if isinstance(owner, ModuleType) else type(owner).__module__)
            for module in _traceback_modules(error):
                if any(module == m or module.startswith(m + ".") for m in modules):
                    return wf
        return None

    def _handle_exception(self, error: Exception) -> None:
        # Textual ends the app on any unhandled exception. One from a plugin's screen
        # (or a worker it started) fails that plugin instead; the core's still ends it.
        wf = self._plugin_to_blame(error)
        if wf is None:
            super()._handle_exception(error)
            return
        from helpdesk import plugins

        log.error("plugin %s screen failed", wf.plugin, exc_info=error)
        plugins.report_failure(wf.plugin, "screen", error)
        self.show_plugin_failures()
        self.call_later(self._close_plugin_screens)

    def _fatal_error(self) -> None:
        # Textual's crash report renders the traceback with every frame's local
        # variables: a PIN, SO PIN or password held as a plain str would be printed.
        # Same report, without locals (Textual has no setting for it).
        import rich
        from rich.traceback import Traceback

        self.bell()
        self.panic(Traceback(show_locals=False, width=None, suppress=[rich]))

    async def _close_plugin_screens(self) -> None:
        from helpdesk.screens.home import HomeScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen | LoginScreen):
            await self.pop_screen()

    # ---- errors and data ----------------------------------------------------------------
    def show_error(self, error: BaseException) -> None:
        """A worker's error as a notification (domain errors in the interface language).
        Safe from any thread: ``notify`` posts a message."""
        if isinstance(error, HelpdeskError):
            self.notify(error.localized(), title=error.localized_title(), severity="error", timeout=10, markup=False)
        else:
            log.error("unexpected error in a worker", exc_info=error)
            self.notify(_("Unexpected error: {error}").format(error=f"{type(error).__name__}: {error}"),
                        title=_("Error"), severity="error", timeout=15, markup=False)

    def on_worker_state_changed(self, event: Any) -> None:
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.show_error(event.worker.error)

    def on_record_saved(self, message: RecordSaved) -> None:
        from helpdesk.screens.home import HomeScreen

        for home in (s for s in self.screen_stack if isinstance(s, HomeScreen)):
            home.post_message(RecordSaved(message.record))

    def records_today(self) -> tuple[date, list[Record]]:
        """Thread workers only: records committed since local midnight."""
        kiosk = self._wait_ready()
        local = self.now().astimezone()
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        records = [r for r in kiosk.store.records(since=midnight, include_voided=False)
                   if r.time < _iso(midnight + timedelta(days=1))]
        return local.date(), records


if TYPE_CHECKING:
    from helpdesk.screens.shell import KioskShell

    def _screens_can_use(app: HelpdeskApp) -> KioskShell:
        return app  # mypy checks the app is what its screens expect


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _traceback_modules(error: BaseException) -> Iterator[str]:
    """Module names of every frame in the traceback of ``error`` and its causes."""
    seen: set[int] = set()
    stack: list[BaseException] = [error]
    while stack:
        exc = stack.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        tb: TracebackType | None = exc.__traceback__
        while tb is not None:
            name = tb.tb_frame.f_globals.get("__name__")
            if isinstance(name, str):
                yield name
            tb = tb.tb_next
        inner = getattr(exc, "error", None)  # textual's WorkerFailed wraps the worker's error
        for nxt in (exc.__cause__, exc.__context__, inner):
            if isinstance(nxt, BaseException):
                stack.append(nxt)


def make_app(
    settings: Settings,
    *,
    worker: TokenWorker | None = None,
    monitor: MonitorFactory | None = None,
    store: Store | None = None,
    clock: Callable[[], datetime] | None = None,
    idle_lock_seconds: float | None = None,
) -> HelpdeskApp:
    """The kiosk app. Without ``worker``/``store``/``monitor`` it opens its own
    (and closes them at exit); ``monitor=no_monitor`` runs without PC/SC."""
    return HelpdeskApp(settings, worker=worker, monitor=monitor, store=store, clock=clock,
                       idle_lock_seconds=idle_lock_seconds)


def main(lang: str | None = None) -> None:
    """``helpdesk`` with no command: run the kiosk in this terminal."""
    from helpdesk.config import load_settings

    settings = load_settings()
    if lang:
        i18n.set_language(lang)
    _log_to_file(settings)
    make_app(settings).run()


def _log_to_file(settings: Settings) -> None:
    """The TUI owns the terminal: logs go to a file, never to stderr."""
    try:
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(settings.log_dir / "helpdesk.log", encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
