"""Plugins: the calls the core makes, and the process's plugin manager.

Plugins come from the entry-point group ``helpdesk`` (built-ins and third parties
alike, sorted by name) and, for development, from
``HELPDESK_PLUGINS=path/to/module.py[,other.py]``. Names in ``[plugins] block`` /
``HELPDESK_PLUGINS_BLOCK`` are never imported. Nothing loads at import time:
:func:`get_plugin_manager` builds the manager on first use.

Every helper returns a :class:`HookOutcome`: the value plus the plugins that failed
during that call (except ``collect_commands`` and ``identify_token``, which return the
bare value their callers, ``cli.py`` and the token module registry, expect) (a plugin that raises, or returns the wrong type, is marked failed,
not called again this run, and the other plugins' results still come back).
:func:`new_failures` hands each failure out exactly once, for the UI to show.
How the isolation works: :mod:`helpdesk.plugins.manager`; what is accepted:
:mod:`helpdesk.plugins.checks`; ``register`` callbacks: :mod:`helpdesk.plugins.registration`;
time budgets and the event thread: :mod:`helpdesk.plugins.budget`; API ranges:
:mod:`helpdesk.plugins.versioning`.

Events the app raises on its UI thread (:func:`startup`, :func:`notify_token_inserted`,
:func:`notify_token_removed`) never run plugin code there: they go to the plugins' event
thread. Until the app listens to the manager's ``on_failure`` (:func:`startup` sets it)
the UI waits at most :data:`~helpdesk.plugins.budget.UI_WAIT` for them, so the outcome
holds the failures so far; after that it does not wait at all.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from helpdesk.config import ModuleEntry
from helpdesk.errors import HelpdeskError
from helpdesk.plugins.budget import DEFAULT_HOOK_TIMEOUT, UI_WAIT, on_event_loop
from helpdesk.plugins.checks import (
    RESULT_CHECKS,
    check_catalog,
    check_command,
    check_record_action,
    check_report,
    check_workflow,
)
from helpdesk.plugins.manager import (
    CURRENT_PLUGIN,
    ENTRY_POINT_GROUP,
    ENV_TIMEOUT,
    HOOK_NAMES,
    HelpdeskPluginManager,
    PluginFailure,
    PluginState,
)
from helpdesk.plugins.registration import RegisterBuffer, calling
from helpdesk.workflow.types import (
    Problem,
    RecordAction,
    Register,
    RegistrationError,
    ReportSection,
    Workflow,
)

if TYPE_CHECKING:
    import click

    from helpdesk.tokens.model import TokenInfo

ENV_PLUGINS = "HELPDESK_PLUGINS"

#: Parts of the core that implement hooks themselves: name -> module. Registered
#: first and never blocked; failing to import one is a core bug and raises.
#: ``core`` registers the built-in CLI commands (``helpdesk token``, ``doctor`` …).
ESSENTIAL_PLUGINS: dict[str, str] = {"core": "helpdesk.commands.builtin"}

T = TypeVar("T")


@dataclass(frozen=True)
class HookOutcome(Generic[T]):
    """What a hook call produced, and the plugins that failed during it."""

    value: T
    failures: tuple[PluginFailure, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures


def collect_workflows() -> HookOutcome[tuple[Workflow, ...]]:
    """Every plugin's workflows, checked, ordered by ``order`` then registration."""
    pm = get_plugin_manager()
    with calling() as failures:
        buffer = RegisterBuffer(pm, "helpdesk_register_workflows", check_workflow)
        pm.hook.helpdesk_register_workflows(register=buffer.register)
        found = buffer.resolve(lambda wf: [("workflow", wf.id)] + ([("key", wf.key)] if wf.key else []))
    ordered = sorted(enumerate(found), key=lambda pair: (pair[1].order, pair[0]))
    return HookOutcome(tuple(wf for _, wf in ordered), tuple(failures))


def collect_report_sections() -> HookOutcome[tuple[ReportSection, ...]]:
    """Every plugin's report sections, checked, ordered by ``order`` then registration."""
    pm = get_plugin_manager()
    with calling() as failures:
        buffer = RegisterBuffer(pm, "helpdesk_register_reports", check_report)
        pm.hook.helpdesk_register_reports(register=buffer.register)
        found = buffer.resolve(lambda r: [("report", r.id)])
    ordered = sorted(enumerate(found), key=lambda pair: (pair[1].order, pair[0]))
    return HookOutcome(tuple(r for _, r in ordered), tuple(failures))


def collect_record_actions() -> HookOutcome[tuple[RecordAction, ...]]:
    """Every plugin's actions on saved records, checked, in registration order."""
    pm = get_plugin_manager()
    with calling() as failures:
        buffer = RegisterBuffer(pm, "helpdesk_register_record_actions", check_record_action)
        pm.hook.helpdesk_register_record_actions(register=buffer.register)
        found = buffer.resolve(lambda a: [("record action", a.id)])
    return HookOutcome(tuple(found), tuple(failures))


def collect_commands(pm: HelpdeskPluginManager | None = None) -> dict[str, click.Command]:
    """Every command of the ``helpdesk`` CLI: the core's (the essential plugin ``core``,
    registered first, so its names win) and plugins' (failures: see :func:`new_failures`).

    Commands may be :class:`~helpdesk.commands.lazy.LazyCommand` stand-ins; the CLI
    loads the real one when it is used. ``pm``: another manager than the process's.
    """
    import click

    class _CommandCollector(click.Group):
        """The ``cli`` plugins receive: ``add_command`` (and ``@cli.command()``) registers."""

        def add_command(self, cmd: click.Command, name: str | None = None) -> None:
            buffer.register((name or getattr(cmd, "name", None), cmd))

    if pm is None:
        pm = get_plugin_manager()
    buffer = RegisterBuffer(pm, "helpdesk_register_commands", check_command)
    pm.hook.helpdesk_register_commands(cli=_CommandCollector(name="helpdesk"))
    return dict(buffer.resolve(lambda pair: [("command", pair[0])]))


def collect_catalogs() -> HookOutcome[tuple[Path, ...]]:
    """Plugins' locale folders, added to :mod:`helpdesk.i18n` (done when the manager is built)."""
    from helpdesk import i18n

    pm = get_plugin_manager()
    with calling() as failures:
        buffer = RegisterBuffer(pm, "helpdesk_register_catalogs", check_catalog)
        pm.hook.helpdesk_register_catalogs(register=buffer.register)
        found = buffer.resolve(lambda path: ())
        for folder in found:
            i18n.add_catalog_dir(folder)
    return HookOutcome(tuple(found), tuple(failures))


def _forward(hook: str, register: Register) -> HookOutcome[None]:
    """Buffer a plugin's calls to another module's ``register`` and replay them plugin
    by plugin in registration order; what that register raises fails the plugin."""
    pm = get_plugin_manager()
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def buffered(*args: Any, **kwargs: Any) -> None:
        plugin = CURRENT_PLUGIN.get()
        if plugin is None:
            raise RegistrationError("register() may only be called during the {hook} hook", hook=hook)
        calls.append((plugin, args, kwargs))

    with calling() as failures:
        getattr(pm.hook, hook)(register=buffered)
        for name in pm.registration_order():
            mine = [(a, k) for plugin, a, k in calls if plugin == name]
            if not mine or pm.state_of(name) != "ok":
                continue
            token = CURRENT_PLUGIN.set(name)  # the owner may ask current_plugin()
            try:
                for args, kwargs in mine:
                    register(*args, **kwargs)
            except (HelpdeskError, ValueError, TypeError) as exc:
                pm.fail(name, hook, exc)
            finally:
                CURRENT_PLUGIN.reset(token)
    return HookOutcome(None, tuple(failures))


def collect_record_types(register: Register) -> HookOutcome[None]:
    """Pass plugins' record types to the store's ``register`` (its errors fail the plugin)."""
    return _forward("helpdesk_register_record_types", register)


def collect_forms(register: Register) -> HookOutcome[None]:
    """Pass plugins' forms to the forms module's ``register``."""
    return _forward("helpdesk_register_forms", register)


# ---------------------------------------------------------------------- events
def _event(pm: HelpdeskPluginManager, call: Callable[[], None]) -> HookOutcome[None]:
    """Run an event's hooks: here, or — called on the UI thread — on the event thread.

    The UI waits at most :data:`UI_WAIT` for them, and not at all once the app listens
    to ``pm.on_failure`` (set by :func:`startup`): failures found later go there."""

    def run() -> tuple[PluginFailure, ...]:
        with calling() as failures:
            call()
        return tuple(failures)

    if not on_event_loop():
        return HookOutcome(None, run())
    waited = threading.Event()
    if pm.on_failure is not None:  # the app hears of failures itself: the UI does not wait at all
        waited.set()

    def in_background() -> tuple[PluginFailure, ...]:
        found = run()
        if waited.is_set():  # the UI went on: tell the app now
            for failure in found:
                pm.notify_failure(failure)
        return found

    future = pm.events.submit(in_background)
    if waited.is_set():
        return HookOutcome(None, ())
    try:
        return HookOutcome(None, future.result(timeout=UI_WAIT))
    except TimeoutError:
        waited.set()
        if future.done():  # finished just now: its failures were not passed on
            return HookOutcome(None, future.result())
        return HookOutcome(None, ())


def startup(app: Any) -> HookOutcome[None]:
    """Tell plugins the app started; plugins registered later are told on registration.

    A Textual app with ``show_plugin_failures`` also becomes the manager's
    ``on_failure``: failures found later off the UI thread (a hook over its budget) are
    handed to the app's event loop without waiting for it — the event thread blocking
    on a UI that is itself waiting for the event thread would stall both."""
    pm = get_plugin_manager()
    show = getattr(app, "show_plugin_failures", None)
    if callable(show) and on_event_loop():
        import asyncio

        loop = asyncio.get_running_loop()

        def hand_to_the_ui(failure: PluginFailure) -> None:
            loop.call_soon_threadsafe(show)

        pm.on_failure = hand_to_the_ui
    return _event(pm, lambda: pm.hook.helpdesk_startup.call_historic(kwargs={"app": app}))


def identify_token(reader: str, atr: str) -> ModuleEntry | None:
    """The PKCS#11 library a plugin picks for this reader/ATR (hex, upper-case), if any.

    A bare value, as :class:`helpdesk.tokens.modules.ModuleRegistry` wants it; a plugin
    failing here is skipped and shows up in :func:`new_failures`.
    """
    choice: ModuleEntry | None = get_plugin_manager().hook.helpdesk_identify_token(reader=reader, atr=atr)
    return choice


def notify_token_inserted(token: TokenInfo) -> HookOutcome[None]:
    """Tell plugins a token was read (on the UI thread: handed to the event thread)."""
    pm = get_plugin_manager()
    return _event(pm, lambda: pm.hook.helpdesk_token_inserted(token=token))


def notify_token_removed(serial: str) -> HookOutcome[None]:
    """Tell plugins a token was pulled out (on the UI thread: handed to the event thread)."""
    pm = get_plugin_manager()
    return _event(pm, lambda: pm.hook.helpdesk_token_removed(serial=serial))


def wait_for_events(timeout: float = 10.0) -> bool:
    """Wait until the event thread ran every event handed to it (tests); False on timeout."""
    return get_plugin_manager().events.join(timeout)


def _tell_app(pm: HelpdeskPluginManager, failures: Sequence[PluginFailure]) -> None:
    """Failures found on a worker thread (a save) reach the app's ``on_failure`` at once."""
    if not on_event_loop():
        for failure in failures:
            pm.notify_failure(failure)


def record_saved(record: Any) -> HookOutcome[None]:
    """Tell plugins a record was committed (call after the commit, off the UI thread)."""
    pm = get_plugin_manager()
    with calling() as failures:
        pm.hook.helpdesk_record_saved(record=record)
    _tell_app(pm, failures)
    return HookOutcome(None, tuple(failures))


def validate_record(record: Any) -> HookOutcome[list[Problem]]:
    """All plugins' problems with ``record``, each stamped with its plugin."""
    pm = get_plugin_manager()
    with calling() as failures:
        results: list[list[Problem]] = pm.hook.helpdesk_validate_record(record=record)
    _tell_app(pm, failures)
    return HookOutcome([p for problems in results for p in problems], tuple(failures))


def token_notes(token: TokenInfo) -> HookOutcome[list[Problem]]:
    """Every plugin's notes about ``token`` (call off the UI thread), stamped with their plugin."""
    pm = get_plugin_manager()
    with calling() as failures:
        results: list[list[Problem]] = pm.hook.helpdesk_token_notes(token=token)
    _tell_app(pm, failures)
    return HookOutcome([p for problems in results for p in problems], tuple(failures))


# ---------------------------------------------------------------------- state
def plugin_states() -> list[PluginState]:
    """Every plugin seen: loaded (ok/failed) and blocked, in registration order."""
    return get_plugin_manager().states()


def failures() -> list[PluginFailure]:
    """Every plugin failure this run (one per failed plugin)."""
    return get_plugin_manager().failures()


def new_failures() -> list[PluginFailure]:
    """Failures not handed out by an earlier call: the UI shows each exactly once."""
    return get_plugin_manager().new_failures()


def report_failure(plugin: str, where: str, exc: BaseException) -> None:
    """Blame ``plugin`` for an error raised by something it provided (a screen, a report)."""
    get_plugin_manager().fail(plugin, where, exc)


def current_plugin() -> str | None:
    """The plugin whose hook (or buffered registration) is running, for register callbacks."""
    return CURRENT_PLUGIN.get()


# ---------------------------------------------------------------------- the manager
_manager: HelpdeskPluginManager | None = None
_manager_lock = threading.RLock()


def hook_timeout(env: Mapping[str, str] | None = None) -> float | None:
    """``HELPDESK_PLUGIN_TIMEOUT`` seconds (0: no budget), else the default."""
    raw = (os.environ if env is None else env).get(ENV_TIMEOUT, "").strip()
    if not raw:
        return DEFAULT_HOOK_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        raise HelpdeskError("{name} must be a number of seconds, got {value!r}", name=ENV_TIMEOUT, value=raw) from None
    return seconds if seconds > 0 else None


def build_plugin_manager(
    *, entry_points: bool = True, paths: Sequence[str | os.PathLike[str]] = (), block: Iterable[str] = (),
    timeout: float | None = None,
) -> HelpdeskPluginManager:
    """A manager with the essential plugins, then entry points, then ``paths``.

    ``timeout``: budget of one hook function in seconds (default: :func:`hook_timeout`)."""
    pm = HelpdeskPluginManager(hook_timeout=timeout if timeout is not None else hook_timeout())
    blocked = {b.strip() for b in block if b.strip()} - set(ESSENTIAL_PLUGINS)
    for name, module in ESSENTIAL_PLUGINS.items():
        pm.register(importlib.import_module(module), name, source="core")
    for name in blocked:
        pm.set_blocked(name)  # also refuses a later register() under that name
    if entry_points:
        pm.load_entry_points(blocked)
    for path in paths:
        pm.load_path(path, blocked)
    pm.check_pending()  # every hook is checked per plugin on register; this must pass
    return pm


def dev_plugin_paths(env: Mapping[str, str] | None = None) -> list[str]:
    """``HELPDESK_PLUGINS``: comma-separated module files or package folders."""
    raw = (os.environ if env is None else env).get(ENV_PLUGINS, "")
    return [part.strip() for part in raw.split(",") if part.strip()]


def get_plugin_manager() -> HelpdeskPluginManager:
    """The process's plugin manager, built (and plugins' catalogs added) on first use."""
    global _manager
    with _manager_lock:
        if _manager is None:
            from helpdesk.config import load_settings

            settings = load_settings()
            _manager = build_plugin_manager(paths=dev_plugin_paths(), block=settings.plugins_block)
            collect_catalogs()  # after publishing: plugin code may call get_plugin_manager()
        return _manager


def set_plugin_manager(pm: HelpdeskPluginManager | None) -> None:
    """Install ``pm`` as the process's manager (tests); None: build afresh on next use."""
    global _manager
    with _manager_lock:
        _manager = pm


__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_PLUGINS",
    "HOOK_NAMES",
    "RESULT_CHECKS",
    "HelpdeskPluginManager",
    "HookOutcome",
    "PluginFailure",
    "PluginState",
    "build_plugin_manager",
    "collect_catalogs",
    "collect_commands",
    "collect_forms",
    "collect_record_actions",
    "collect_record_types",
    "collect_report_sections",
    "collect_workflows",
    "current_plugin",
    "failures",
    "get_plugin_manager",
    "hook_timeout",
    "identify_token",
    "new_failures",
    "notify_token_inserted",
    "notify_token_removed",
    "plugin_states",
    "record_saved",
    "report_failure",
    "set_plugin_manager",
    "startup",
    "token_notes",
    "validate_record",
    "wait_for_events",
]
