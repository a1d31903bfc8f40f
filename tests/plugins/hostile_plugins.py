"""Plugins for the hostile-plugin proofs: one well-behaved desk workflow whose record goes
through ``ctx.commit`` (so every plugin's validate hook runs), and plugins that misbehave
in one way each (fault injection at the plugin boundary)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from helpdesk import hookimpl
from helpdesk.extension import (
    Problem,
    Record,
    RecordDraft,
    Register,
    TokenInfo,
    Workflow,
    WorkflowContext,
    WorkflowScreen,
)

RECORD_TYPE = "hostile.visit"
PAYLOAD: dict[str, Any] = {"note": "Hỏi về gia hạn", "items": ["thẻ"], "nested": {"unit": "Sở Tư pháp"}}


def check_visit(payload: Mapping[str, Any]) -> list[str]:
    return [] if isinstance(payload.get("note"), str) else ["note is required"]


class DeskScreen(WorkflowScreen):
    """F9 saves a visit through ``ctx.commit``; the saved record is kept for the test."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "save", "Save", priority=True),
                                             Binding("escape", "close", "Back", priority=True)]

    def __init__(self, ctx: WorkflowContext) -> None:
        super().__init__(ctx)
        self.saved: Record | None = None

    def compose(self) -> ComposeResult:
        yield Static("Ghi nhận lượt khách", id="desk-title")
        yield self.status_line()
        yield self.footer()

    def action_save(self) -> None:
        self.status("Đang lưu…")
        self.run_job(self.ctx.commit, RECORD_TYPE, {"subscriber_id": "sb-000001"}, PAYLOAD, done=self._saved)

    def _saved(self, record: Record) -> None:
        self.saved = record
        self.status("Đã lưu", "ok")


class DeskPlugin:
    """The well-behaved plugin whose workflow must keep working."""

    @hookimpl
    def helpdesk_register_workflows(self, register: Register) -> None:
        register(Workflow("desk_visit", "Ghi nhận lượt khách", "Record a visit", screen=DeskScreen,
                          needs_token=False, key="f2", order=1))

    @hookimpl
    def helpdesk_register_record_types(self, register: Register) -> None:
        register(RECORD_TYPE, check_visit, description="A visit (hostile-plugin tests)")


class Blocking:
    """Blocks (up to 30 s, until the test releases it) in the hooks named."""

    def __init__(self, *hooks: str, flow: str = "") -> None:
        self.hooks = set(hooks)
        self.flow = flow
        self.release = threading.Event()
        self.finished = threading.Event()
        self.entered: list[str] = []

    def _block(self, hook: str) -> None:
        if hook in self.hooks:
            self.entered.append(hook)
            self.release.wait(30)

    @hookimpl
    def helpdesk_register_workflows(self, register: Register) -> None:
        self._block("register_workflows")
        if self.flow:
            register(Workflow(self.flow, "Chậm", "Slow", screen=DeskScreen, needs_token=False))
            self.finished.set()

    @hookimpl
    def helpdesk_token_inserted(self, token: TokenInfo) -> None:
        self._block("token_inserted")

    @hookimpl
    def helpdesk_startup(self, app: Any) -> None:
        self._block("startup")


class RaisingEvents:
    """Raises in the events the app raises on its UI thread."""

    @hookimpl
    def helpdesk_token_inserted(self, token: TokenInfo) -> None:
        raise RuntimeError("inserted exploded")

    @hookimpl
    def helpdesk_token_removed(self, serial: str) -> None:
        raise RuntimeError("removed exploded")


class WrongTypes:
    """Returns what no hook may return."""

    @hookimpl
    def helpdesk_register_workflows(self, register: Register) -> Any:
        return [Workflow("wrong", "Sai", "Wrong", screen=DeskScreen)]

    @hookimpl
    def helpdesk_validate_record(self, record: RecordDraft) -> Any:
        return "fine"

    @hookimpl
    def helpdesk_identify_token(self, reader: str, atr: str) -> Any:
        return 42


class WrongValidation:
    """A validate hook answering with a bare Problem (not a list)."""

    @hookimpl
    def helpdesk_validate_record(self, record: RecordDraft) -> Any:
        return Problem("Everything is wrong")


class Noisy:
    """Prints and writes to stderr from every kind of hook thread."""

    @hookimpl
    def helpdesk_register_workflows(self, register: Register) -> None:
        print("noisy: registering workflows")

    @hookimpl
    def helpdesk_startup(self, app: Any) -> None:
        print("noisy: started", flush=True)

    @hookimpl
    def helpdesk_token_inserted(self, token: TokenInfo) -> None:
        print(f"noisy: token {token.serial}")
        sys.stderr.write("noisy: stderr line\n")

    @hookimpl
    def helpdesk_validate_record(self, record: RecordDraft) -> list[Problem]:
        print("noisy: validating", record.type)
        return []

    @hookimpl
    def helpdesk_record_saved(self, record: Record) -> None:
        print("noisy: saved", file=sys.stderr)


class Mutating:
    """Changes every mutable thing it is given; assigning a frozen field raises."""

    @hookimpl
    def helpdesk_validate_record(self, record: RecordDraft) -> list[Problem]:
        record.payload["note"] = "HACKED"  # type: ignore[index]
        record.payload["items"].append("HACKED")
        record.payload["nested"]["unit"] = "HACKED"
        record.subject["subscriber_id"] = "sb-HACKED"  # type: ignore[index]
        return []

    @hookimpl
    def helpdesk_record_saved(self, record: Record) -> None:
        record.payload["note"] = "HACKED"  # type: ignore[index]
        record.payload["items"].append("HACKED")

    @hookimpl
    def helpdesk_token_inserted(self, token: TokenInfo) -> None:
        object.__setattr__(token, "label", "HACKED")  # around frozen: only its own copy changes
        token.serial = "HACKED"  # type: ignore[misc]  # frozen: raises, the plugin is failed


class Observer:
    """Registered after the mutator: records what it is given."""

    def __init__(self) -> None:
        self.validated: list[dict[str, Any]] = []
        self.saved: list[dict[str, Any]] = []
        self.tokens: list[str] = []

    @hookimpl
    def helpdesk_validate_record(self, record: RecordDraft) -> list[Problem]:
        self.validated.append({"payload": dict(record.payload), "subject": dict(record.subject)})
        return []

    @hookimpl
    def helpdesk_record_saved(self, record: Record) -> None:
        self.saved.append(dict(record.payload))

    @hookimpl
    def helpdesk_token_inserted(self, token: TokenInfo) -> None:
        self.tokens.append(token.label)


__all__ = ["Blocking", "DeskPlugin", "DeskScreen", "Mutating", "Noisy", "Observer", "RaisingEvents",
           "WrongTypes", "WrongValidation"]
