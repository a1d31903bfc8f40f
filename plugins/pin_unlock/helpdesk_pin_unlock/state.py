"""What the desk shows about a token before any PIN is typed (no try is spent).

Everything here comes from CK_TOKEN_INFO flags and the public certificate objects,
read without a log-in, plus the subscriber record naming the token. Retry counts are
never shown as numbers: tokens report only "count low / final try / locked".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from helpdesk.i18n import gettext

if TYPE_CHECKING:
    from helpdesk.store import Store, Subscriber, Unit
    from helpdesk.tokens.model import CertInfo, TokenInfo

Severity = Literal["ok", "warning", "error"]

_USER_STATES: dict[str, tuple[str, Severity]] = {
    "ok": ("normal", "ok"),
    "count_low": ("wrong PIN entered before; few tries left", "warning"),
    "final_try": ("one try left", "error"),
    "locked": ("locked", "error"),
}


@dataclass(frozen=True)
class Holder:
    """The subscriber record naming the token (None when the roster has no such token)."""

    subscriber: Subscriber | None
    unit: Unit | None

    @property
    def name(self) -> str:
        return self.subscriber.full_name if self.subscriber else ""

    @property
    def unit_name(self) -> str:
        return self.unit.name if self.unit else ""


def find_holder(store: Store, token: TokenInfo) -> Holder:
    subscriber = store.subscribers.by_token_serial(token.serial)
    unit = store.units.get(subscriber.unit_id) if subscriber and subscriber.unit_id else None
    return Holder(subscriber, unit)


def main_certificate(token: TokenInfo) -> CertInfo | None:
    """The certificate with a key (else the first readable one) — the holder's."""
    readable = [c for c in token.certificates if not c.error]
    with_key = [c for c in readable if c.has_private_key is not False]
    found = with_key or readable
    return found[0] if found else None


@dataclass(frozen=True)
class Line:
    label: str
    value: str
    severity: Severity = "ok"


def pin_state_text(state: str) -> tuple[str, Severity]:
    text, severity = _USER_STATES.get(state, ("unknown", "warning"))
    return gettext(text), severity


def describe(token: TokenInfo, holder: Holder, so_pin_held: bool, now: datetime | None = None) -> list[Line]:
    """The lines of the token panel, in the interface language."""
    _ = gettext
    user_text, user_sev = pin_state_text(token.flags.user_pin_state)
    so_text, so_sev = pin_state_text(token.flags.so_pin_state)
    if not so_pin_held:
        so_text, so_sev = f"{so_text} · {_('not held at this desk')}", "warning" if so_sev == "ok" else so_sev
    pad = token.flags.protected_authentication_path
    lines = [
        Line(_("Token"), f"{token.label} · {token.serial}"),
        Line(_("User PIN"), user_text, user_sev),
        Line(_("SO PIN"), so_text, so_sev),
        Line(_("PIN pad reader"), _("yes: PINs are typed on the reader") if pad else _("no")),
    ]
    if holder.subscriber is not None:
        who = holder.name + (f" · {holder.unit_name}" if holder.unit_name else "")
        lines.append(Line(_("Holder"), who))
    else:
        lines.append(Line(_("Holder"), _("no subscriber record names this token"), "warning"))
    cert = main_certificate(token)
    if cert is None:
        lines.append(Line(_("Certificate"), _("none on the token"), "warning"))
    else:
        now = now or datetime.now(UTC)
        until = cert.not_after.astimezone().strftime("%d/%m/%Y")
        if cert.is_valid_at(now):
            lines.append(Line(_("Certificate"), _("{name}, valid until {date}").format(name=cert.subject.common_name, date=until)))
        else:
            lines.append(Line(_("Certificate"), _("{name}, not valid (until {date})").format(
                name=cert.subject.common_name, date=until), "warning"))
    return lines
