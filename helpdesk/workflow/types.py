"""What plugins hand to the ``register`` callbacks: workflows, report sections, problems.

Plugins see these through :mod:`helpdesk.extension`; the core imports them from here
(the core never imports the door). Titles and messages are NFC text; the host
normalises them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from helpdesk.errors import HelpdeskError

if TYPE_CHECKING:
    from helpdesk.tokens.model import TokenInfo
    from helpdesk.workflow.context import WorkflowContext

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


#: Builds the Textual ``Screen`` for a workflow from its :class:`WorkflowContext`.
ScreenFactory = Callable[["WorkflowContext"], Any]

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
    screen: ScreenFactory | str  # or "module:attribute" of one, imported when first opened
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

    def open(self, context: WorkflowContext) -> Any:
        """The workflow's screen for ``context`` (imports a ``"module:attribute"`` factory)."""
        from helpdesk.workflow.targets import resolve

        return resolve(self.screen)(context)

    def offered_for(self, token: TokenInfo | None) -> bool:
        """Whether the menu shows this workflow while ``token`` (or none) is inserted."""
        if token is None:
            return not self.needs_token
        return not self.pin_states or token.flags.user_pin_state in self.pin_states


#: Builds the screen for a record action from the context and the saved records.
ActionScreenFactory = Callable[["WorkflowContext", Sequence[Any]], Any]


@dataclass(frozen=True)
class RecordAction:
    """Something to do with records just saved by another plugin's workflow, offered on
    its screen (e.g. "Người nhận ký số biên bản" after a handover)."""

    id: str
    title_vi: str
    title_en: str
    record_types: tuple[str, ...]  # the record types it applies to
    screen: ActionScreenFactory | str  # or "module:attribute" of one
    key: str = ""  # a key the offering screen may bind ("f7")
    plugin: str = ""  # set by the host

    def title(self, language: str | None = None) -> str:
        if language is None:
            from helpdesk.i18n import get_language

            language = get_language()
        return self.title_en if language == "en" else self.title_vi

    def open(self, context: WorkflowContext, records: Sequence[Any]) -> Any:
        from helpdesk.workflow.targets import resolve

        return resolve(self.screen)(context, records)


@dataclass(frozen=True)
class Period:
    """A reporting period: a year (``2018``) or a quarter (``2018Q3``)."""

    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        raw = text.strip().upper()
        year, _, quarter = raw.partition("Q")
        if not (year.isdigit() and len(year) == 4) or (quarter and quarter not in "1234") or (_ and not quarter):
            raise PluginError("Bad period {text!r}: use a year (2018) or a quarter (2018Q3)", text=text)
        return cls(int(year), int(quarter) if quarter else None)

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.quarter is None else 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        if self.quarter is None or self.quarter == 4:
            return date(self.year + 1, 1, 1)
        return date(self.year, 3 * self.quarter + 1, 1)

    def __str__(self) -> str:
        return f"{self.year}" if self.quarter is None else f"{self.year}Q{self.quarter}"


@dataclass(frozen=True)
class ReportRow:
    """One figure of a report section: a metric, its value and (if any) the plan's target."""

    metric: str  # stable id ("handover.count")
    label_vi: str
    label_en: str
    value: float | int
    plan: float | int | None = None
    unit: str = ""  # the unit (đơn vị) id the row is about, "" = the whole department

    def label(self, language: str | None = None) -> str:
        if language is None:
            from helpdesk.i18n import get_language

            language = get_language()
        return self.label_en if language == "en" else self.label_vi


#: ``compute(ctx, period, unit)``: the section's rows for a period and a unit (None = all).
SectionCompute = Callable[["WorkflowContext", Period, "str | None"], Sequence[ReportRow]]


@dataclass(frozen=True)
class ReportSection:
    """A section plugins contribute to the quarterly and yearly reports."""

    id: str
    title_vi: str
    title_en: str
    compute: SectionCompute
    order: int = 100
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


class RecordRefused(PluginError):
    """``ctx.commit`` refused a record: a plugin's validate hook found errors."""

    title = "Record refused"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("{problems}", problems="; ".join(p.localized() for p in self.problems if p.severity == "error"))


__all__ = [
    "PIN_STATES",
    "ROLES",
    "OperatorRef",
    "Period",
    "PluginError",
    "Problem",
    "RecordAction",
    "RecordRefused",
    "Register",
    "RegistrationError",
    "ReportRow",
    "ReportSection",
    "Role",
    "ScreenFactory",
    "SectionCompute",
    "Workflow",
]
