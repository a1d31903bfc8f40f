"""What the core screens need from the app that shows them, as a Protocol.

The screens (log-in, lock, home) read the kiosk's state and ask it to act through this
interface instead of importing :mod:`helpdesk.app`, which imports them: the app sits on
top, the screens below. :class:`helpdesk.app.HelpdeskApp` implements it (mypy checks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from helpdesk.config import Settings
    from helpdesk.operators import Operator
    from helpdesk.secret import Secret
    from helpdesk.store import Record
    from helpdesk.tokens.model import TokenInfo
    from helpdesk.tokens.tracker import UnsupportedCard
    from helpdesk.workflow.types import Problem


@runtime_checkable
class KioskShell(Protocol):
    """The kiosk app as its screens see it."""

    @property
    def settings(self) -> Settings: ...

    @property
    def tokens(self) -> Mapping[str, TokenInfo]:
        """Tokens in the readers, by serial, oldest first."""

    @property
    def token_notes(self) -> Mapping[str, Sequence[Problem]]:
        """Plugins' notes about each inserted token (helpdesk_token_notes), by serial."""

    @property
    def unsupported(self) -> Mapping[str, UnsupportedCard]:
        """Cards no PKCS#11 library reads, by reader."""

    @property
    def current_token(self) -> TokenInfo | None:
        """The token a workflow works on: the one inserted last."""

    def now(self) -> datetime:
        """The current time (UTC, aware)."""

    def reader_note(self) -> str:
        """Why no token can be seen (no reader, pcscd down), or ""."""

    def token_owner(self, token: TokenInfo) -> Operator | None:
        """The operator account this token logs in, if any."""

    def authenticate_password(self, operator_id: str, password: Secret, *,
                              unlocking: Operator | None = None) -> Operator:
        """Thread workers only: check a password (audited)."""

    def authenticate_token(self, token: TokenInfo, operator_id: str, pin: Secret, *,
                           unlocking: Operator | None = None) -> Operator:
        """Thread workers only: PIN log-in on the token and a signed challenge (audited)."""

    def open_workflow(self, workflow_id: str) -> None:
        """Open a plugin's workflow for the current token."""

    def records_today(self) -> tuple[date, list[Record]]:
        """Thread workers only: records committed since local midnight."""

    def show_error(self, error: BaseException) -> None:
        """An error as a notification (thread-safe)."""
