"""Wiring: build the module registry and the TokenWorker from settings (and plugins)."""

from __future__ import annotations

from helpdesk.config import ModuleEntry, Settings
from helpdesk.tokens.modules import ModuleRegistry
from helpdesk.tokens.pkcs11 import TokenWorker


def _plugin_chooser(reader: str, atr: str) -> ModuleEntry | None:
    try:
        from helpdesk import plugins
    except ImportError:  # plugin layer not present
        return None
    choose = getattr(plugins, "identify_token", None)
    return choose(reader, atr) if choose else None


def make_registry(settings: Settings) -> ModuleRegistry:
    return ModuleRegistry.from_settings(settings, plugin_chooser=_plugin_chooser)


def make_worker(settings: Settings) -> TokenWorker:
    return TokenWorker(make_registry(settings)).start()
