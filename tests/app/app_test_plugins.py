"""Test plugins for the app tests: a small workflow with a record type, and one that
raises in every hook (fault injection at the plugin boundary)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Button, Static

from helpdesk import hookimpl
from helpdesk.workflow.context import WorkflowContext
from helpdesk.workflow.types import Workflow


def _check_visit(payload: Mapping[str, Any]) -> list[str]:
    return [] if isinstance(payload.get("note"), str) else ["note is required"]


class VisitScreen(Screen[None]):
    """A small workflow screen: shows who is logged in, saves a record in a thread worker."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, ctx: WorkflowContext) -> None:
        super().__init__(id="visit")
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        yield Static(f"Người trực: {self.ctx.operator.name}", id="visit-operator")
        yield Button("Lưu", id="save")
        yield Button("Hỏng", id="crash")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.save()
        else:
            raise RuntimeError("the visit screen exploded")  # a plugin bug at run time

    @work(thread=True, exit_on_error=False)
    def save(self) -> None:
        self.ctx.store.commit("apptest.visit", {"subscriber_id": "sb-000001"}, {"note": "Hỏi về gia hạn"},
                              self.ctx.operator.id)
        self.app.call_from_thread(self.app.pop_screen)


class VisitPlugin:
    @hookimpl
    def helpdesk_register_workflows(self, register: Any) -> None:
        register(Workflow("apptest_visit", "Ghi nhận lượt khách", "Record a visit", screen=VisitScreen,
                          needs_token=False, key="f2", order=1))
        register(Workflow("apptest_admin", "Cấu hình quầy", "Kiosk settings", screen=VisitScreen,
                          needs_token=False, role="admin", order=2))
        register(Workflow("apptest_handover", "Bàn giao", "Hand over", screen=VisitScreen, order=3))

    @hookimpl
    def helpdesk_register_record_types(self, register: Any) -> None:
        register("apptest.visit", _check_visit, description="A visit (app tests)")


class RaisingPlugin:
    """Fault injection at the plugin boundary: every hook the kiosk calls raises."""

    @hookimpl
    def helpdesk_startup(self, app: Any) -> None:
        raise RuntimeError("startup exploded")

    @hookimpl
    def helpdesk_register_workflows(self, register: Any) -> None:
        raise RuntimeError("workflows exploded")

    @hookimpl
    def helpdesk_register_record_types(self, register: Any) -> None:
        raise RuntimeError("record types exploded")

    @hookimpl
    def helpdesk_register_forms(self, register: Any) -> None:
        raise RuntimeError("forms exploded")

    @hookimpl
    def helpdesk_register_catalogs(self, register: Any) -> None:
        raise RuntimeError("catalogs exploded")

    @hookimpl
    def helpdesk_token_inserted(self, token: Any) -> None:
        raise RuntimeError("inserted exploded")

    @hookimpl
    def helpdesk_token_removed(self, serial: str) -> None:
        raise RuntimeError("removed exploded")

    @hookimpl
    def helpdesk_record_saved(self, record: Any) -> None:
        raise RuntimeError("record saved exploded")

    @hookimpl
    def helpdesk_validate_record(self, record: Any) -> None:
        raise RuntimeError("validate exploded")

    @hookimpl
    def helpdesk_register_reports(self, register: Any) -> None:
        raise RuntimeError("reports exploded")
