"""Public API for plugin authors: what a plugin hands to the ``register`` callbacks.

A plugin imports from here and from :mod:`helpdesk` (``hookimpl``) only; these small
frozen dataclasses are the whole contract between a plugin and the core for menus,
reports and record checks. Titles and messages are NFC text; the host normalises them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from helpdesk.errors import HelpdeskError

if TYPE_CHECKING:
    from helpdesk.config import Settings
    from helpdesk.forms import FormRegistry
    from helpdesk.store import Store
    from helpdesk.tokens.model import TokenInfo
    from helpdesk.tokens.pkcs11 import TokenWorker

Role = Literal["operator", "trainer", "admin"]
ROLES: tuple[Role, ...] = ("operator", "trainer", "admin")

#: Values of :attr:`helpdesk.tokens.model.TokenFlags.user_pin_state`.
PIN_STATES = ("ok", "count_low", "final_try", "locked")

@dataclass(frozen=True)
class OperatorRef:
    """Who is logged in at the kiosk (records and audit entries carry ``id``)."""

    id: str
    name: str
    role: Role


@dataclass(frozen=True)
class WorkflowContext:
    """Everything a workflow screen may use; the kiosk builds one per opened workflow.

    Plugins reach the core only through this object and the hooks: the token worker
    (every PKCS#11 call, run it from a thread worker and wait on its futures there),
    the record store (``store.commit``), the form registry, the settings.
    """

    token: TokenInfo | None  # the token in the reader when the workflow was opened
    settings: Settings
    store: Store
    worker: TokenWorker
    operator: OperatorRef
    forms: FormRegistry


#: Builds the Textual ``Screen`` for a workflow from its :class:`WorkflowContext`.
ScreenFactory = Callable[[WorkflowContext], Any]

#: A registry callback owned by another part of the core (record types, forms).
Register = Callable[..., Any]


class PluginError(HelpdeskError):
    title = "Plugin"


class RegistrationError(PluginError):
    """A ``register(...)`` call was rejected (wrong type, bad field, id already taken)."""

    title = "Plugin registration"


@dataclass(frozen=True)
class Workflow:
    """A menu entry on the kiosk: what the operator can do for the person at the desk."""

    id: str  # stable, lower-case ascii ("handover", "pin_unlock"); unique across plugins
    title_vi: str
    title_en: str
    screen: ScreenFactory
    role: Role = "operator"  # least role allowed to start it
    needs_token: bool = True  # offered only while a token is inserted
    pin_states: tuple[str, ...] = ()  # user PIN states it applies to; () = any
    key: str = ""  # Textual key name for a shortcut ("f2"); unique across plugins
    order: int = 100  # menu position, lower first
    plugin: str = ""  # set by the host: the plugin that registered it

    def title(self, language: str | None = None) -> str:
        """The title in ``language`` (default: the current interface language)."""
        if language is None:
            from helpdesk.i18n import get_language

            language = get_language()
        return self.title_en if language == "en" else self.title_vi

    def offered_for(self, token: TokenInfo | None) -> bool:
        """Whether the menu shows this workflow while ``token`` (or none) is inserted."""
        if token is None:
            return not self.needs_token
        return not self.pin_states or token.flags.user_pin_state in self.pin_states


@dataclass(frozen=True)
class Report:
    """A report an operator can produce (e.g. monthly handovers per unit)."""

    id: str
    title_vi: str
    title_en: str
    run: Callable[..., Any]  # its arguments are the report runner's contract
    role: Role = "operator"
    plugin: str = ""  # set by the host

    def title(self, language: str | None = None) -> str:
        if language is None:
            from helpdesk.i18n import get_language

            language = get_language()
        return self.title_en if language == "en" else self.title_vi


@dataclass(frozen=True)
class Problem:
    """Something wrong with a record before it is saved; an ``error`` blocks the save."""

    message: str  # English msgid with {params}, translated on display
    field: str = ""  # the record field concerned, "" for the whole record
    severity: Literal["error", "warning"] = "error"
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)  # `field` is taken
    plugin: str = ""  # set by the host

    def localized(self) -> str:
        from helpdesk.i18n import gettext

        text = gettext(self.message)
        return text.format(**self.params) if self.params else text


__all__ = [
    "PIN_STATES",
    "ROLES",
    "OperatorRef",
    "PluginError",
    "Problem",
    "Register",
    "RegistrationError",
    "Report",
    "Role",
    "ScreenFactory",
    "Workflow",
    "WorkflowContext",
]
