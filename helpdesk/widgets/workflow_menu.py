"""The workflow menu: plugins' workflows the operator's role allows, with their keys.

Entries a token state does not allow stay listed but disabled, so the menu does not
jump around while tokens come and go. Choosing one (Enter, click or its key) posts
:class:`WorkflowMenu.Chosen`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from helpdesk.i18n import _
from helpdesk.tokens.model import TokenInfo
from helpdesk.workflow.types import Workflow


class WorkflowMenu(OptionList):
    @dataclass
    class Chosen(Message):
        workflow_id: str

    def __init__(self, workflows: Sequence[Workflow], keys: dict[str, str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.workflows = list(workflows)
        self.keys = keys  # workflow id -> key shown
        self._token: TokenInfo | None = None

    def on_mount(self) -> None:
        self.relabel()

    def _prompt(self, wf: Workflow) -> Text:
        text = Text()
        key = self.keys.get(wf.id, "")
        text.append(f"{key.upper():>6}  " if key else " " * 8, style="bold")
        text.append(wf.title())
        if not wf.offered_for(self._token):
            hint = _("insert a token") if wf.needs_token and self._token is None else _("not for this token")
            text.append(f"  ({hint})", style="dim")
        return text

    def relabel(self) -> None:
        highlighted = self.highlighted
        self.clear_options()
        if not self.workflows:
            self.add_option(Option(_("No workflow is available for your role."), id="-none", disabled=True))
            return
        self.add_options(
            Option(self._prompt(wf), id=wf.id, disabled=not wf.offered_for(self._token)) for wf in self.workflows
        )
        if highlighted is not None and highlighted < len(self.workflows):
            self.highlighted = highlighted

    def set_token(self, token: TokenInfo | None) -> None:
        self._token = token
        self.relabel()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id and not event.option.id.startswith("-"):
            self.post_message(self.Chosen(event.option.id))
