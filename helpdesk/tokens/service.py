"""Wiring: build the module registry and the TokenWorker from settings.

Who else may choose a card's PKCS#11 library (plugins, through
``helpdesk_identify_token``) is passed in by the caller: the token layer knows nothing
of plugins. :func:`helpdesk.kiosk.make_token_worker` is the kiosk's wiring.
"""

from __future__ import annotations

from helpdesk.config import Settings
from helpdesk.tokens.modules import ModuleRegistry, PluginChooser
from helpdesk.tokens.pkcs11 import TokenWorker


def make_registry(settings: Settings, plugin_chooser: PluginChooser | None = None) -> ModuleRegistry:
    return ModuleRegistry.from_settings(settings, plugin_chooser=plugin_chooser)


def make_worker(settings: Settings, plugin_chooser: PluginChooser | None = None) -> TokenWorker:
    return TokenWorker(make_registry(settings, plugin_chooser)).start()
