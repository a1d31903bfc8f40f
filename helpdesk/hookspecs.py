"""Every hook a plugin can implement. The reference with examples is ``docs/hooks.md``.

Conventions:
- Hooks that gather things take a ``register`` callback (or, for commands, a click
  group whose ``add_command`` is the callback): the host checks each item, resolves id
  clashes (first registered plugin wins) and blames the plugin that got it wrong.
- Return ``None`` from every hook except ``helpdesk_identify_token`` (a ModuleEntry or
  None for "not mine") and ``helpdesk_validate_record`` (a list of Problems). Anything
  else is treated as a fault of the plugin.
- A hook that raises disables its plugin for the rest of the run (see docs/plugins.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from helpdesk.config import ModuleEntry
    from helpdesk.tokens.model import TokenInfo
    from helpdesk.workflow.context import RecordDraft
    from helpdesk.workflow.types import Problem, RecordAction, Register, ReportSection, Workflow

PROJECT = "helpdesk"
hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec(historic=True)
def helpdesk_startup(app: Any) -> None:
    """Called once when the kiosk app has started (historic: late plugins get it too)."""


@hookspec
def helpdesk_register_commands(cli: click.Group) -> None:
    """Add click commands to the ``helpdesk`` command line with ``cli.add_command``."""


@hookspec
def helpdesk_register_workflows(register: Callable[[Workflow], None]) -> None:
    """Offer kiosk workflows (menu entries) by calling ``register(Workflow(...))``."""


@hookspec(firstresult=True)
def helpdesk_identify_token(reader: str, atr: str) -> ModuleEntry | None:
    """Choose the PKCS#11 library for a card by reader name and ATR; None = not mine."""


@hookspec
def helpdesk_token_inserted(token: TokenInfo) -> None:
    """A token was inserted and read; its facts are in ``token``."""


@hookspec
def helpdesk_token_removed(serial: str) -> None:
    """The token with this serial was pulled out."""


@hookspec
def helpdesk_register_record_types(register: Register) -> None:
    """Declare record types (and their payload schema) with the store's ``register``."""


@hookspec
def helpdesk_record_saved(record: Any) -> None:
    """A record, its audit entry and its outbox entry were committed together."""


@hookspec
def helpdesk_validate_record(record: RecordDraft) -> list[Problem] | None:
    """Check a record before ``ctx.commit`` saves it; return the problems ([] or None = fine)."""


@hookspec
def helpdesk_register_forms(register: Register) -> None:
    """Declare printable forms (Decree 30 layouts) with the forms ``register``."""


@hookspec
def helpdesk_register_reports(register: Callable[[ReportSection], None]) -> None:
    """Offer report sections by calling ``register(ReportSection(...))``."""


@hookspec
def helpdesk_token_notes(token: TokenInfo) -> list[Problem] | None:
    """Notes about an inserted token for its card on the home screen ([] or None = nothing)."""


@hookspec
def helpdesk_register_record_actions(register: Callable[[RecordAction], None]) -> None:
    """Offer actions on records another workflow just saved: ``register(RecordAction(...))``."""


@hookspec
def helpdesk_register_catalogs(register: Callable[[str | Path], None]) -> None:
    """Add a ``locale`` folder of translations (``<lang>/LC_MESSAGES/*.po``)."""
