"""The token panel: PIN states, PIN pad, holder and certificate, read without a PIN."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from textual.widgets import Static

from helpdesk_pin_unlock.state import describe

if TYPE_CHECKING:
    from helpdesk.tokens.model import TokenInfo
    from helpdesk_pin_unlock.state import Holder

_STYLE = {"ok": "", "warning": "bold yellow", "error": "bold red"}


class TokenPanel(Static):
    DEFAULT_CSS = """
    TokenPanel { border: round $primary; padding: 0 1; height: auto; }
    """

    def show(self, token: TokenInfo, holder: Holder, so_pin_held: bool) -> None:
        rows = []
        for line in describe(token, holder, so_pin_held):
            value = escape(line.value)
            style = _STYLE[line.severity]
            rows.append(f"[b]{escape(line.label)}:[/b] " + (f"[{style}]{value}[/]" if style else value))
        self.update("\n".join(rows))

    def show_text(self, text: str) -> None:
        self.update(escape(text))
