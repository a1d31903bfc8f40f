"""What plugin commands (``helpdesk <plugin> …``) use: the same context as a screen,
PINs read safely, and the operator named on the command line.

``with command_context(operator) as ctx:`` opens settings, store (read-only while the
kiosk holds it, if ``read_only``), the token worker, plugins' record types and forms,
exactly as the kiosk does, and closes them afterwards.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from helpdesk.secret import Secret
from helpdesk.workflow.types import OperatorRef

if TYPE_CHECKING:
    from helpdesk.workflow.context import WorkflowContext


def cli_operator(name: str | None = None) -> OperatorRef:
    """Who acts from the command line: ``--operator NAME``, else ``cli:<login>``."""
    who = (name or "").strip() or f"cli:{getpass.getuser()}"
    return OperatorRef(who, who, "admin")


@contextmanager
def command_context(operator: str | None = None, *, read_only: bool = False) -> Iterator[WorkflowContext]:
    """A :class:`WorkflowContext` for a command, with the kiosk's wiring (no token inserted)."""
    from helpdesk.config import load_settings
    from helpdesk.kiosk import open_kiosk
    from helpdesk.store import open_store

    settings = load_settings()
    store = open_store(settings.data_dir, settings.kiosk_id, read_only=read_only)
    try:
        kiosk = open_kiosk(settings, store=store)
        for failure in kiosk.plugin_failures:  # a command still runs; say which plugin is off
            click.echo(failure.localized(), err=True)
        try:
            yield kiosk.context(cli_operator(operator), None)
        finally:
            kiosk.worker.stop()
    finally:
        store.close()


def read_pin(prompt: str, *, from_stdin: bool = False) -> Secret:
    """A PIN from the terminal without echo, or one line of standard input
    (``--pin-stdin``); never from an argument or the environment."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.UsageError("--pin-stdin: standard input is empty")
        return Secret(line.rstrip("\r\n"))
    if not sys.stdin.isatty():
        raise click.UsageError("No terminal to type the PIN on: use --pin-stdin")
    return Secret(getpass.getpass(prompt + " "))


#: Add ``--pin-stdin`` to a click command that needs a PIN.
pin_stdin_option = click.option("--pin-stdin", is_flag=True,
                                help="Read the PIN from standard input (one line) instead of the terminal.")
