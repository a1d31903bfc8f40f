"""A footer whose key descriptions follow the interface language.

Binding descriptions are English msgids; Textual shows them as written, so this
footer asks the app for the label at render time (``app.binding_label``) and a
language switch only needs ``refresh_bindings()``. (Textual's FooterKey is not
public, so its ``action``/``description`` attributes are read duck-typed.)
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

from helpdesk.i18n import gettext


class LocalizedFooter(Footer):
    def compose(self) -> ComposeResult:
        label = getattr(self.app, "binding_label", None)
        for widget in super().compose():
            description = getattr(widget, "description", None)
            action = getattr(widget, "action", None)
            if isinstance(description, str) and description and isinstance(action, str):
                widget.description = label(action, description) if label else gettext(description)  # type: ignore[attr-defined]
            yield widget
