"""The pluggy manager with per-plugin fault isolation, and the state of each plugin.

How the isolation works: pluggy registers, in each plugin's place, a stand-in object
whose hook functions are the plugin's own behind a guard. pluggy still does all the
calling (order, ``firstresult``, historic replay); the guard catches an exception or
a wrongly typed result at that one function, marks the plugin failed, and returns
None so the call goes on with the other plugins. A failed plugin is not called again
this run: one that broke half-way may hold half-updated state, and a kiosk should not
keep feeding it records. Only public pluggy APIs are used (``register``,
``parse_hookimpl_opts``, ``set_blocked``, ``check_pending`` …).

The guard also keeps a hostile plugin from hurting the kiosk in quieter ways: each
hook function runs under a time budget (:mod:`helpdesk.plugins.budget`), what it
prints goes to the log (:mod:`helpdesk.plugins.output`), and data hooks get their own
deep copy of the record or token (:data:`COPIED_ARGUMENTS`). A plugin declaring an API
range this kiosk is outside of is listed *incompatible* and never registered
(:mod:`helpdesk.plugins.versioning`).
"""

from __future__ import annotations

import contextvars
import copy
import functools
import importlib.metadata
import importlib.util
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pluggy

from helpdesk import hookspecs
from helpdesk.errors import HelpdeskError
from helpdesk.plugins import output
from helpdesk.plugins.budget import (
    DEFAULT_HOOK_TIMEOUT,
    EventQueue,
    call_with_budget,
    call_with_watchdog,
    timeout_error,
)
from helpdesk.plugins.checks import RESULT_CHECKS, expect_none
from helpdesk.plugins.versioning import PluginIncompatible, check_api, declared_api
from helpdesk.workflow.types import PluginError

logger = logging.getLogger("helpdesk.plugins")
logger.addHandler(logging.NullHandler())  # the app decides where logs go; never stderr under the TUI

ENTRY_POINT_GROUP = "helpdesk"

#: Every hook name declared in :mod:`helpdesk.hookspecs`.
HOOK_NAMES: tuple[str, ...] = tuple(
    name for name in vars(hookspecs) if name.startswith("helpdesk_") and callable(getattr(hookspecs, name))
)

State = Literal["ok", "failed", "blocked", "incompatible"]

#: Hooks run on the caller's thread (a save, which may hold the store's lock the
#: plugin reads through) under a watchdog; every other hook runs on a helper thread.
INLINE_HOOKS = frozenset({"helpdesk_validate_record", "helpdesk_record_saved"})
#: Hooks whose arguments each plugin gets as its own deep copy: a plugin changing the
#: record it validates (or a token's facts) changes nothing the core or others see.
COPIED_ARGUMENTS = frozenset({"helpdesk_validate_record", "helpdesk_record_saved", "helpdesk_token_inserted"})
#: Environment variable: the budget of one hook function in seconds (0 = none).
ENV_TIMEOUT = "HELPDESK_PLUGIN_TIMEOUT"

#: The plugin whose hook function is running (set by the guard; read by register callbacks).
CURRENT_PLUGIN: contextvars.ContextVar[str | None] = contextvars.ContextVar("helpdesk_plugin", default=None)
#: Failures raised during the current helper call, so each helper returns its own.
CALL_FAILURES: contextvars.ContextVar[list[PluginFailure] | None] = contextvars.ContextVar(
    "helpdesk_plugin_failures", default=None
)


@dataclass(frozen=True)
class PluginFailure:
    """Why a plugin was marked failed: the first error it raised or caused."""

    plugin: str
    hook: str  # the hook (or "screen", "command" …) where it happened; "" while loading
    error: str  # "ExceptionType: message", English
    traceback: str = field(default="", repr=False, compare=False)
    msgid: str = field(default="", repr=False, compare=False)  # for HelpdeskErrors: translatable
    params: Mapping[str, object] = field(default_factory=dict, repr=False, compare=False)

    def localized_error(self) -> str:
        """The error in the interface language when it is one of ours, else as raised."""
        if not self.msgid:
            return self.error
        from helpdesk.i18n import gettext

        text = gettext(self.msgid)
        return text.format(**self.params) if self.params else text

    def localized(self) -> str:
        """One line for the operator: which plugin, where, what."""
        from helpdesk.i18n import gettext

        if not self.hook:
            return gettext("Plugin {name} could not be loaded: {error}").format(
                name=self.plugin, error=self.localized_error()
            )
        return gettext("Plugin {name} failed in {hook}: {error}").format(
            name=self.plugin, hook=self.hook.removeprefix("helpdesk_"), error=self.localized_error()
        )

    def to_json(self) -> dict[str, Any]:
        return {"plugin": self.plugin, "hook": self.hook or None, "error": self.error, "traceback": self.traceback}


@dataclass(frozen=True)
class PluginState:
    """One row of ``helpdesk plugins``."""

    name: str
    version: str
    hooks: tuple[str, ...]
    state: State
    error: str = ""
    hook: str = ""  # where it failed
    source: str = ""  # entry point, file path, or "registered"
    failure: PluginFailure | None = field(default=None, repr=False, compare=False)
    api: str = ""  # the API range it declares (HELPDESK_API), "" when none

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version or None,
            "hooks": list(self.hooks),
            "state": self.state,
            "error": self.error or None,
            "failed_hook": self.hook or None,
            "source": self.source,
            "api": self.api or None,
        }


@dataclass(eq=False)
class _Entry:
    name: str
    source: str
    version: str = ""
    plugin: object = None
    proxy: object = None  # what pluggy holds; None when not registered
    hooks: tuple[str, ...] = ()
    state: State = "ok"
    failure: PluginFailure | None = None
    api: str = ""


class _GuardedPlugin:
    """What pluggy registers in a plugin's place: its hook functions, each guarded.

    pluggy finds hook functions in an instance ``__dict__``, so the guarded functions
    live there, under the plugin's attribute names.
    """

    def __init__(self, plugin: object, functions: Mapping[str, Callable[..., Any]]) -> None:
        self.__helpdesk_plugin__ = plugin
        self.__dict__.update(functions)

    def __repr__(self) -> str:
        return f"<guarded {self.__helpdesk_plugin__!r}>"


def _own_copy(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """A deep copy of a hook's arguments; the originals (frozen) if something cannot be copied."""
    try:
        return copy.deepcopy(args), copy.deepcopy(kwargs)
    except Exception:  # a core object that refuses copying: not the plugin's fault
        logger.warning("hook arguments could not be copied; passing the originals", exc_info=True)
        return args, kwargs


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _module_version(plugin: object) -> str:
    version = getattr(plugin, "__version__", "")
    return version if isinstance(version, str) else ""


class HelpdeskPluginManager(pluggy.PluginManager):
    """pluggy's manager with per-plugin fault isolation and a state for each plugin.

    ``register``/``unregister``/``get_name``/``is_registered``/``get_hookcallers``
    accept the plugin object you registered; ``get_plugin(name)`` and
    ``get_plugins()`` return pluggy's view (the guarded stand-ins).
    """

    def __init__(self, *, hook_timeout: float | None = DEFAULT_HOOK_TIMEOUT) -> None:
        super().__init__(hookspecs.PROJECT)
        self.add_hookspecs(hookspecs)
        self._lock = threading.RLock()
        self._entries: list[_Entry] = []
        self._failures: list[PluginFailure] = []
        self._reported = 0
        #: Budget of one plugin's hook function in seconds; None or 0: no budget.
        self.hook_timeout = hook_timeout
        #: Hook calls the UI thread hands off (see :mod:`helpdesk.plugins.budget`).
        self.events = EventQueue()
        #: Called (from any thread) after a failure found off the UI thread; the app
        #: sets it to show the failure (see :func:`helpdesk.plugins.startup`).
        self.on_failure: Callable[[PluginFailure], None] | None = None

    # ------------------------------------------------------------------ registration
    def register(
        self, plugin: object, name: str | None = None, *, source: str = "registered", version: str | None = None
    ) -> str | None:
        """Register a plugin behind the guard. Returns its name, or None if it was
        blocked or rejected (then its state says why). A name or object registered
        twice raises ValueError, as in pluggy."""
        if plugin is None:
            return None
        name = name or self.get_canonical_name(plugin)
        entry = _Entry(name=name, source=source, version=version or _module_version(plugin), plugin=plugin,
                       api=declared_api(plugin))
        if self.is_blocked(name):
            entry.state = "blocked"
            self._add_entry(entry)
            return None
        if self.has_plugin(name):
            raise ValueError(f"plugin name already registered: {name}")
        if self.get_name(plugin) is not None:
            raise ValueError(f"plugin already registered as {self.get_name(plugin)}: {plugin!r}")
        try:
            check_api(plugin)
        except PluginIncompatible as exc:  # listed, never registered: none of its hooks run
            self._add_entry(entry)
            self._fail(entry, "", exc, state="incompatible")
            return None
        try:
            functions, entry.hooks = self._guarded_functions(plugin, entry)
        except PluginError as exc:
            self._add_entry(entry)
            self._fail(entry, "", exc)
            return None
        entry.proxy = _GuardedPlugin(plugin, functions)
        self._add_entry(entry)  # before pluggy registers: historic replay runs inside
        try:
            super().register(entry.proxy, name)
        except pluggy.PluginValidationError as exc:  # e.g. an argument the spec lacks
            entry.proxy = None
            self._fail(entry, "", exc)
            return None
        return name

    def unregister(self, plugin: object | None = None, name: str | None = None) -> Any | None:
        entry = self._find(plugin, name)
        if entry is None:
            return super().unregister(plugin=plugin, name=name)
        with self._lock:
            self._entries.remove(entry)
        if entry.proxy is not None and super().get_name(entry.proxy) is not None:
            super().unregister(plugin=entry.proxy, name=entry.name)
        return entry.plugin

    def get_name(self, plugin: object) -> str | None:
        entry = self._find(plugin, None)
        return entry.name if entry is not None and entry.proxy is not None else super().get_name(plugin)

    def is_registered(self, plugin: object) -> bool:
        return self.get_name(plugin) is not None

    def get_hookcallers(self, plugin: object) -> list[pluggy.HookCaller] | None:
        entry = self._find(plugin, None)
        return super().get_hookcallers(entry.proxy if entry is not None and entry.proxy is not None else plugin)

    def get_plugin_object(self, name: str) -> object | None:
        """The object registered under ``name`` (not pluggy's guarded stand-in)."""
        entry = self._find(None, name)
        return entry.plugin if entry is not None and entry.proxy is not None else None

    def _find(self, plugin: object | None, name: str | None) -> _Entry | None:
        with self._lock:
            for entry in self._entries:
                if plugin is not None and (entry.plugin is plugin or entry.proxy is plugin):
                    return entry
                if plugin is None and name is not None and entry.name == name and entry.state != "blocked":
                    return entry
        return None

    def _add_entry(self, entry: _Entry) -> None:
        with self._lock:
            self._entries.append(entry)

    def _guarded_functions(self, plugin: object, entry: _Entry) -> tuple[dict[str, Callable[..., Any]], tuple[str, ...]]:
        functions: dict[str, Callable[..., Any]] = {}
        hooks: set[str] = set()
        for attr in dir(plugin):
            opts = self.parse_hookimpl_opts(plugin, attr)
            if opts is None:
                continue
            hook = opts.get("specname") or attr
            if opts.get("wrapper") or opts.get("hookwrapper"):
                # A wrapper sees and can rewrite every other plugin's results: that is
                # the core's job, and it would defeat per-plugin attribution.
                raise PluginError("Hook wrappers are reserved for the core ({hook})", hook=hook)
            if hook not in HOOK_NAMES and not opts.get("optionalhook"):
                raise PluginError("Unknown hook {hook} (misspelt?)", hook=hook)
            functions[attr] = self._guard(entry, hook, getattr(plugin, attr), dict(opts))
            hooks.add(hook)
        return functions, tuple(sorted(hooks))

    def _guard(
        self, entry: _Entry, hook: str, function: Callable[..., Any], opts: dict[str, Any]
    ) -> Callable[..., Any]:
        check = RESULT_CHECKS.get(hook, expect_none)
        inline, copied = hook in INLINE_HOOKS, hook in COPIED_ARGUMENTS

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if entry.state != "ok":
                return None  # failed earlier this run: stays off
            if copied:  # its own copy: what it changes, nobody else sees
                args, kwargs = _own_copy(args, kwargs)
            output.install(CURRENT_PLUGIN)  # what it prints goes to the log
            token = CURRENT_PLUGIN.set(entry.name)
            try:
                result = self._call(entry, hook, inline, function, args, kwargs)
                if entry.state != "ok":  # ran past its budget: whatever it returned is dropped
                    self._report_to_call(entry)
                    return None
                return None if result is None else check(result, entry.name, hook)
            except (Exception, SystemExit) as exc:  # a plugin must not end the kiosk either
                self._fail(entry, hook, exc)
                return None
            finally:
                CURRENT_PLUGIN.reset(token)

        functools.update_wrapper(guarded, function)  # pluggy reads the arguments through __wrapped__
        guarded.__dict__[f"{hookspecs.PROJECT}_impl"] = opts
        return guarded

    def _call(self, entry: _Entry, hook: str, inline: bool, function: Callable[..., Any],
              args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The plugin's function under the time budget (see :mod:`helpdesk.plugins.budget`)."""
        seconds = self.hook_timeout
        if not seconds or seconds <= 0:
            return function(*args, **kwargs)
        if inline:
            return call_with_watchdog(function, args, kwargs, seconds,
                                      lambda: self._fail(entry, hook, timeout_error(hook, seconds), notify=True))
        return call_with_budget(function, args, kwargs, seconds, hook, f"plugin-{entry.name}-{hook}")

    def _report_to_call(self, entry: _Entry) -> None:
        """A failure raised on another thread (the watchdog) joins this call's failures."""
        sink = CALL_FAILURES.get()
        if sink is not None and entry.failure is not None and entry.failure not in sink:
            sink.append(entry.failure)

    # ------------------------------------------------------------------ failures
    def _fail(self, entry: _Entry, hook: str, exc: BaseException, *, state: State = "failed",
              notify: bool = False) -> None:
        with self._lock:
            if entry.state != "ok":
                return  # first failure wins: a plugin is reported once
            failure = PluginFailure(
                plugin=entry.name,
                hook=hook,
                error=_describe(exc),
                traceback="".join(traceback.format_exception(exc)),
                msgid=exc.message if isinstance(exc, HelpdeskError) else "",
                params=dict(exc.params) if isinstance(exc, HelpdeskError) else {},
            )
            entry.state = state
            entry.failure = failure
            self._failures.append(failure)
        sink = CALL_FAILURES.get()
        if sink is not None:
            sink.append(failure)
        logger.error("plugin %s %s in %s: %s", entry.name, state, hook or "load", failure.error, exc_info=exc)
        if notify:
            self.notify_failure(failure)

    def notify_failure(self, failure: PluginFailure) -> None:
        """Tell :attr:`on_failure` (the app) about a failure found off the UI thread."""
        listener = self.on_failure
        if listener is None:
            return
        try:
            listener(failure)
        except Exception:  # the app has gone (tests, shutdown): the failure stays listed
            logger.debug("failure listener failed", exc_info=True)

    def fail(self, plugin: str, hook: str, exc: BaseException) -> None:
        """Mark a registered plugin failed (e.g. its screen raised in the app)."""
        entry = self._find(None, plugin)
        if entry is not None:
            self._fail(entry, hook, exc)

    def failures(self) -> list[PluginFailure]:
        with self._lock:
            return list(self._failures)

    def new_failures(self) -> list[PluginFailure]:
        with self._lock:
            fresh = self._failures[self._reported :]
            self._reported = len(self._failures)
            return fresh

    def state_of(self, name: str) -> State | None:
        entry = self._find(None, name)
        return entry.state if entry is not None else None

    def registration_order(self) -> list[str]:
        """Names of registered plugins, first registered first."""
        with self._lock:
            return [e.name for e in self._entries if e.proxy is not None]

    def states(self) -> list[PluginState]:
        with self._lock:
            entries = list(self._entries)
        return [
            PluginState(
                name=e.name,
                version=e.version,
                hooks=e.hooks,
                state=e.state,
                error=e.failure.error if e.failure else "",
                hook=e.failure.hook if e.failure else "",
                source=e.source,
                failure=e.failure,
                api=e.api,
            )
            for e in entries
        ]

    # ------------------------------------------------------------------ loading
    def _record(self, entry: _Entry, exc: BaseException | None = None) -> None:
        self._add_entry(entry)
        if exc is not None:
            self._fail(entry, "", exc)

    def _name_taken(self, name: str) -> bool:
        return self.has_plugin(name) or self._find(None, name) is not None

    def _import(self, load: Callable[[], Any], name: str) -> Any:
        """A plugin's import, under the same budget as its hooks (a module that sleeps or
        waits on the network at import time must not hold up the kiosk's start)."""
        seconds = self.hook_timeout
        if not seconds or seconds <= 0:
            return load()
        return call_with_budget(load, (), {}, seconds, "import", f"plugin-{name}-import")

    def load_entry_points(self, block: Iterable[str] = ()) -> None:
        """Import and register every ``helpdesk`` entry point, each in isolation."""
        blocked = set(block)
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = ep.dist
            version = dist.version if dist is not None else ""
            dist_name = dist.name if dist is not None else ""
            entry = _Entry(name=ep.name, source=f"{dist_name or '?'}: {ep.value}", version=version)
            if ep.name in blocked or dist_name in blocked:
                entry.state = "blocked"
                self._record(entry)
            elif self._name_taken(ep.name):
                self._record(entry, PluginError("Plugin name {name} is already taken", name=ep.name))
            else:
                try:
                    plugin = self._import(ep.load, ep.name)
                except (Exception, SystemExit) as exc:
                    self._record(entry, exc)
                else:
                    self.register(plugin, ep.name, source=entry.source, version=version or None)

    def load_path(self, path: str | os.PathLike[str], block: Iterable[str] = ()) -> None:
        """Import a plugin module from a file (or a package folder) and register it."""
        file = Path(path).expanduser()
        name = file.stem if file.suffix == ".py" else file.name
        entry = _Entry(name=name, source=str(file))
        if name in set(block):
            entry.state = "blocked"
            self._record(entry)
        elif self._name_taken(name):
            self._record(entry, PluginError("Plugin name {name} is already taken", name=name))
        else:
            try:
                module = self._import(lambda: _import_file(file, name), name)
            except (Exception, SystemExit) as exc:
                self._record(entry, exc)
            else:
                self.register(module, name, source=str(file))


def _import_file(path: Path, name: str) -> Any:
    init = path / "__init__.py" if path.is_dir() else path
    if not init.is_file():
        raise FileNotFoundError(f"no plugin module at {path}")
    module_name = f"_helpdesk_dev_plugin_{name}"
    locations = [str(path)] if path.is_dir() else None
    spec = importlib.util.spec_from_file_location(module_name, init, submodule_search_locations=locations)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and relative imports look it up there
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


