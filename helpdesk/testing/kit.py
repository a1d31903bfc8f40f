"""The core pieces plugin tests may use, in one public place (besides the fixtures).

Plugin packages import only :mod:`helpdesk.extension`; their tests may also import
``helpdesk.testing`` — this module re-exports what they need from the core (the app
factory, the kiosk wiring, fault injection), so no test reaches into a private module.
Append a name here (with its import) when a plugin test needs one more piece.
"""

from __future__ import annotations

from helpdesk.app import HelpdeskApp, make_app, no_monitor
from helpdesk.cli import cli
from helpdesk.config import Organisation, Settings, load_settings
from helpdesk.forms import FormRegistry, FormSeal, content_hash
from helpdesk.i18n import add_catalog_dir, set_language
from helpdesk.kiosk import Kiosk, open_kiosk
from helpdesk.screens.home import HomeScreen
from helpdesk.store import RecordTypeRegistry, Store, open_store
from helpdesk.tokens.model import ReaderEvent
from helpdesk.tokens.modules import ModuleRegistry
from helpdesk.tokens.pcsc import ReaderMonitor
from helpdesk.tokens.pkcs11 import InjectedFault, TokenWorker
from helpdesk.tokens.tracker import TokenInserted as TrackerTokenInserted
from helpdesk.tokens.tracker import TokenRemovedEvent, TokenTracker
from helpdesk.widgets.token_panel import TokenCard
from helpdesk.widgets.workflow_menu import WorkflowMenu

__all__ = [
    "FormRegistry",
    "FormSeal",
    "HelpdeskApp",
    "HomeScreen",
    "InjectedFault",
    "Kiosk",
    "ModuleRegistry",
    "Organisation",
    "ReaderEvent",
    "ReaderMonitor",
    "RecordTypeRegistry",
    "Settings",
    "Store",
    "TokenCard",
    "TokenRemovedEvent",
    "TokenTracker",
    "TokenWorker",
    "TrackerTokenInserted",
    "WorkflowMenu",
    "add_catalog_dir",
    "cli",
    "content_hash",
    "load_settings",
    "make_app",
    "no_monitor",
    "open_kiosk",
    "open_store",
    "set_language",
]

# pin_unlock tests: what the kiosk gathers from plugins, and a language's whole catalog.
from helpdesk.i18n import catalog
from helpdesk.plugins import collect_catalogs, collect_workflows

__all__ += ["catalog", "collect_catalogs", "collect_workflows"]

# Plugin tests under Pilot: the app's events (token inserted/removed, start-up) reach plugin
# hooks on the plugins' event thread; wait for them before asserting what a hook did.
from helpdesk.plugins import wait_for_events as wait_for_plugin_events  # noqa: E402

__all__ += ["wait_for_plugin_events"]
