"""The live reader/token panel: one card per token in a reader, one per unreadable card.

Everything shown is read without a PIN: holder, unit, certificate serial, expiry
countdown and the PIN-attempt flags (user PIN and SO PIN). The panel re-renders from
the app's current state (``app.tokens``, ``app.unsupported``) on ``TokensChanged``
and on a language switch; the clock comes from the app so tests can freeze it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from helpdesk.i18n import _
from helpdesk.tokens.model import CertInfo, TokenInfo
from helpdesk.tokens.tracker import UnsupportedCard

if TYPE_CHECKING:
    from helpdesk.workflow.types import Problem

_PIN_STYLE = {"ok": "green", "count_low": "yellow", "final_try": "bold red", "locked": "bold white on red"}


def pin_state_label(state: str) -> str:
    labels = {"ok": _("OK"), "count_low": _("few tries left"), "final_try": _("final try"), "locked": _("locked")}
    return labels.get(state, state)


def expiry_text(cert: CertInfo, now: datetime) -> tuple[str, str]:
    """(text, style) of the countdown: "còn N ngày", "đã hết hạn N ngày", "chưa đến…"."""
    if now < cert.not_before:
        return _("not yet valid"), "yellow"
    days = cert.days_left(now)
    if days < 0:
        return _("expired {days} days ago").format(days=-days), "bold red"
    return _("{days} days left").format(days=days), ("yellow" if days <= 30 else "green")


def holder_cert(token: TokenInfo) -> CertInfo | None:
    """The certificate that names the holder: prefer one with its private key."""
    good = [c for c in token.certificates if not c.error]
    good.sort(key=lambda c: (c.has_private_key is False, c.not_after), reverse=False)
    return good[0] if good else None


def widget_id(prefix: str, key: str) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in key)
    if safe != key:  # reader names have spaces: keep ids unique anyway
        safe = f"{safe}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"
    return f"{prefix}-{safe}"


def render_token(token: TokenInfo, now: datetime, notes: Sequence[Problem] = ()) -> Text:
    text = Text()
    text.append(f"{token.label or _('Token')}", style="bold")
    text.append(f"  {_('Serial')} {token.serial}\n", style="dim")
    if token.reader:
        text.append(f"{_('Reader')}: {token.reader}\n", style="dim")
    cert = holder_cert(token)
    if cert is None:
        text.append(_("No certificate on this token.") + "\n", style="yellow")
    else:
        unit = ", ".join(p for p in (cert.subject.get("OU"), cert.subject.get("O")) if p)
        text.append(f"{_('Holder')}: ", style="dim")
        text.append(f"{cert.subject.common_name or '-'}\n", style="bold")
        if unit:
            text.append(f"{_('Unit')}: ", style="dim")
            text.append(f"{unit}\n")
        text.append(f"{_('Certificate serial')}: ", style="dim")
        text.append(f"{cert.serial}\n")
        countdown, style = expiry_text(cert, now)
        text.append(f"{_('Expires')}: ", style="dim")
        text.append(f"{cert.not_after.astimezone():%d/%m/%Y} ")
        text.append(f"({countdown})\n", style=style)
        if len(token.certificates) > 1:
            text.append(_("{n} certificates on this token").format(n=len(token.certificates)) + "\n", style="dim")
    user, so = token.flags.user_pin_state, token.flags.so_pin_state
    text.append("PIN: ", style="dim")
    text.append(pin_state_label(user), style=_PIN_STYLE.get(user, ""))
    text.append(f"   {_('SO PIN')}: ", style="dim")
    text.append(pin_state_label(so), style=_PIN_STYLE.get(so, ""))
    if token.flags.protected_authentication_path:
        text.append(f"   {_('PIN pad')}", style="dim")
    for note in notes:  # from plugins (helpdesk_token_notes), e.g. "inside the renewal window"
        text.append("\n" + note.localized(), style="bold yellow" if note.severity == "warning" else "bold red")
    return text


def render_unsupported(card: UnsupportedCard) -> Text:
    text = Text()
    text.append(_("Card not supported") + "\n", style="bold yellow")
    text.append(f"{_('Reader')}: {card.reader}\n", style="dim")
    text.append(f"ATR: {card.atr}\n", style="dim")
    if not card.installed:
        text.append(_("The PKCS#11 library {name} is not installed.").format(name=card.module) + "\n")
    elif card.detail:
        text.append(_(card.detail) + "\n")
    if card.hint:
        text.append(f"{_('Fix')}: ", style="bold")
        text.append(_(card.hint).format(path=card.module) + "\n")
    return text


class TokenCard(Static):
    """One token in a reader (id ``token-<serial>``)."""

    def __init__(self, token: TokenInfo, now: Callable[[], datetime], notes: Sequence[Problem] = ()) -> None:
        super().__init__(render_token(token, now(), notes), id=widget_id("token", token.serial),
                         classes="token-card")
        self.token = token
        self.notes = tuple(notes)
        self._now = now
        self.set_class(token.flags.user_pin_state in ("final_try", "locked"), "-warning")

    def relabel(self) -> None:
        self.update(render_token(self.token, self._now(), self.notes))
        self.set_class(self.token.flags.user_pin_state in ("final_try", "locked"), "-warning")


class UnsupportedCardView(Static):
    """A card the kiosk cannot read, with how to fix it."""

    def __init__(self, card: UnsupportedCard) -> None:
        super().__init__(render_unsupported(card), id=widget_id("card", card.reader), classes="unsupported-card")
        self.card = card

    def relabel(self) -> None:
        self.update(render_unsupported(self.card))


class TokenPanel(VerticalScroll):
    """All tokens and unreadable cards, newest last; a hint when the readers are empty."""

    def __init__(self, now: Callable[[], datetime], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._now = now
        self._reader_note = ""
        self._busy = False

    def compose(self) -> ComposeResult:
        yield Static(id="token-hint", classes="hint")

    def show(self, tokens: Iterable[TokenInfo], unsupported: Iterable[UnsupportedCard], reader_note: str,
             notes: Mapping[str, Sequence[Problem]] | None = None) -> None:
        """Bring the cards in line with the app's state (called on the UI thread)."""
        notes = notes or {}
        wanted = {t.serial: t for t in tokens}
        bad = {c.reader: c for c in unsupported}
        self._busy = bool(wanted or bad)
        for card in list(self.query(TokenCard)):
            if card.token.serial not in wanted:
                card.remove()
            elif (wanted[card.token.serial] is not card.token  # read again: update in place
                  or tuple(notes.get(card.token.serial, ())) != card.notes):
                card.token = wanted[card.token.serial]
                card.notes = tuple(notes.get(card.token.serial, ()))
                card.relabel()
            wanted.pop(card.token.serial, None)
        for view in list(self.query(UnsupportedCardView)):
            if view.card.reader not in bad:
                view.remove()
            elif bad[view.card.reader] is not view.card:
                view.card = bad[view.card.reader]
                view.relabel()
            bad.pop(view.card.reader, None)
        for token in wanted.values():
            self.mount(TokenCard(token, self._now, notes.get(token.serial, ())))
        for unreadable in bad.values():
            self.mount(UnsupportedCardView(unreadable))
        self._reader_note = reader_note
        self._update_hint(self._busy)

    def _update_hint(self, busy: bool) -> None:
        hint = self.query_one("#token-hint", Static)
        note = self._reader_note
        text = note if busy else "\n".join(p for p in (_("Insert a token into the reader."), note) if p)
        hint.update(text)
        hint.display = bool(text)

    def relabel(self) -> None:
        for card in self.query(TokenCard):
            card.relabel()
        for view in self.query(UnsupportedCardView):
            view.relabel()
        self._update_hint(self._busy)
