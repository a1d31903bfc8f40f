"""The home screen: live tokens, the workflow menu, today's activity, sync state.

Workflow keys are bindings of this screen, built per log-in (the menu depends on
the operator's role): :func:`home_screen` makes a subclass whose ``BINDINGS`` hold
them, so they show in the footer like every other key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Static

from helpdesk.i18n import _
from helpdesk.messages import ActivityLoaded, RecordSaved, TokensChanged
from helpdesk.screens.base import KioskScreen
from helpdesk.widgets.activity import ActivityTable
from helpdesk.widgets.footer import LocalizedFooter
from helpdesk.widgets.sync_line import SyncLine
from helpdesk.widgets.token_panel import TokenPanel
from helpdesk.widgets.workflow_menu import WorkflowMenu

if TYPE_CHECKING:
    from helpdesk.operators import Operator
    from helpdesk.workflow.types import Workflow


class HomeScreen(KioskScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f5", "refresh", "Refresh", show=False)]

    def __init__(self, operator: Operator, workflows: Sequence[Workflow], keys: dict[str, str]) -> None:
        super().__init__(id="home")
        self.operator = operator
        self.workflows = list(workflows)
        self.keys = keys

    def compose(self) -> ComposeResult:
        app = self.kiosk_app
        yield Header()
        with Horizontal(id="home-top"):
            yield TokenPanel(app.now, id="tokens")
            with Vertical(id="menu-column"):
                yield WorkflowMenu(self.workflows, self.keys, id="workflows")
                yield SyncLine(id="sync-state", classes="hint")
        yield ActivityTable(id="activity")
        yield Static(id="status-line", classes="hint")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self.relabel()
        self._tokens_changed()
        self.query_one(WorkflowMenu).focus()
        self.load_activity()

    def relabel(self) -> None:
        super().relabel()
        app = self.kiosk_app
        self.title = app.settings.organisation.name
        self.sub_title = _("{name} ({role})").format(name=self.operator.full_name, role=role_label(self.operator.role))
        self.query_one("#tokens").border_title = _("Tokens in the readers")
        self.query_one("#workflows").border_title = _("Workflows")
        self.query_one("#activity").border_title = _("Today's activity")
        self.query_one(SyncLine).reload()
        today = app.now().astimezone()
        self.query_one("#status-line", Static).update(
            _("Kiosk {kiosk} · {date}").format(kiosk=app.settings.kiosk_id, date=f"{today:%d/%m/%Y}"))

    # ---- tokens ------------------------------------------------------------------------
    def on_tokens_changed(self, message: TokensChanged) -> None:
        self._tokens_changed()

    def _tokens_changed(self) -> None:
        app = self.kiosk_app
        self.query_one(TokenPanel).show(app.tokens.values(), app.unsupported.values(), app.reader_note(),
                                        app.token_notes)
        self.query_one(WorkflowMenu).set_token(app.current_token)
        self.refresh_bindings()

    # ---- workflows -----------------------------------------------------------------------
    def on_workflow_menu_chosen(self, message: WorkflowMenu.Chosen) -> None:
        self.action_open_workflow(message.workflow_id)

    def action_open_workflow(self, workflow_id: str) -> None:
        self.kiosk_app.open_workflow(workflow_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_workflow" and parameters:
            wf = next((w for w in self.workflows if w.id == parameters[0]), None)
            if wf is None:
                return False
            return True if wf.offered_for(self.kiosk_app.current_token) else None  # None: shown, disabled
        return True

    def drop_workflows_of(self, plugin: str) -> None:
        """A plugin failed: its entries leave the menu (their keys then do nothing)."""
        self.workflows = [w for w in self.workflows if w.plugin != plugin]
        menu = self.query_one(WorkflowMenu)
        menu.workflows = list(self.workflows)
        menu.relabel()
        self.refresh_bindings()

    # ---- today's activity ----------------------------------------------------------------
    def action_refresh(self) -> None:
        self.load_activity()

    def on_record_saved(self, message: RecordSaved) -> None:
        self.load_activity()

    @work(thread=True, exclusive=True, exit_on_error=False, group="activity")
    def load_activity(self) -> None:
        day, records = self.kiosk_app.records_today()
        self.post_message(ActivityLoaded(day, records))

    def on_activity_loaded(self, message: ActivityLoaded) -> None:
        self.query_one(ActivityTable).show(message.records)


def role_label(role: str) -> str:
    return {"operator": _("operator"), "trainer": _("trainer"), "admin": _("admin")}.get(role, role)


def home_screen(operator: Operator, workflows: Sequence[Workflow], keys: dict[str, str]) -> HomeScreen:
    """A HomeScreen whose bindings include each workflow's key (see module doc)."""
    bindings: list[BindingType] = [
        # Not in the footer (it would crowd out the core keys): the menu shows each key.
        Binding(keys[wf.id], f"open_workflow({wf.id!r})", wf.id, show=False) for wf in workflows if wf.id in keys
    ]
    screen_type: Any = type("HomeScreen", (HomeScreen,), {"BINDINGS": bindings})
    screen: HomeScreen = screen_type(operator, workflows, keys)
    return screen


__all__ = ["HomeScreen", "home_screen", "role_label"]
