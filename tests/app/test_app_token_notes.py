"""Plugins' notes about an inserted token (``helpdesk_token_notes``) on the home screen's
card, computed off the UI thread; the renewal plugin's "inside the renewal window"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from helpdesk import hookimpl, plugins
from helpdesk.testing.fixtures_e2e import log_in, wait_until
from helpdesk.testing.kit import TrackerTokenInserted
from helpdesk.tokens.model import CertInfo, Name, TokenFlags, TokenInfo
from helpdesk.workflow.types import Problem


def token_expiring_in(days: int, serial: str = "A1B2C3D4") -> TokenInfo:
    now = datetime.now(UTC)
    cert = CertInfo(label="Nguyễn Thị Ánh", key_id="01", subject=Name("CN=Nguyễn Thị Ánh", {"CN": "Nguyễn Thị Ánh"}),
                    issuer=Name("CN=CA phục vụ các cơ quan Nhà nước"), serial="5A0F", not_before=now - timedelta(days=300),
                    not_after=now + timedelta(days=days, hours=1), fingerprint_sha256="00" * 32, has_private_key=True)
    return TokenInfo(serial=serial, label="VGCA", manufacturer="SoftHSM", model="SoftHSM v2", module="softhsm",
                     flags=TokenFlags(token_initialized=True), certificates=(cert,))


class Notes:
    @hookimpl
    def helpdesk_token_notes(self, token: TokenInfo) -> list[Problem]:
        return [Problem("Token {serial} is on the lost list", severity="error", params={"serial": token.serial})]


class WrongNotes:
    @hookimpl
    def helpdesk_token_notes(self, token: TokenInfo) -> object:
        return "not a list of problems"


def test_hook_token_notes(register_plugin: Any) -> None:
    register_plugin(Notes(), "notes")
    register_plugin(WrongNotes(), "wrong")
    outcome = plugins.token_notes(token_expiring_in(300))
    assert [(p.plugin, p.localized()) for p in outcome.value] == [("notes", "Token A1B2C3D4 is on the lost list")]
    assert [f.plugin for f in outcome.failures] == ["wrong"]  # garbage fails its plugin, the rest still shows


def test_the_renewal_plugin_warns_inside_its_window(helpdesk_home: Any) -> None:
    import helpdesk_renewal.plugin as renewal

    assert renewal.helpdesk_token_notes(token_expiring_in(300)) == []
    (soon,) = renewal.helpdesk_token_notes(token_expiring_in(20))
    assert soon.severity == "warning" and soon.params == {"serial": "5A0F", "days": 20}
    (gone,) = renewal.helpdesk_token_notes(token_expiring_in(-3))
    assert gone.severity == "error"
    (helpdesk_home / "helpdesk.toml").write_text("[renewal]\nwarn_days = 10\n", encoding="utf-8")
    assert renewal.helpdesk_token_notes(token_expiring_in(20)) == []  # a narrower window from the settings


async def test_the_home_screen_card_shows_the_notes(kiosk_app: Any, make_operator: Any, register_plugin: Any) -> None:
    register_plugin(Notes(), "notes")
    make_operator()
    app = kiosk_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot)
        app.handle_token_event(TrackerTokenInserted(token_expiring_in(300)))

        def card_text() -> str:
            cards = app.screen.query("TokenCard")
            return str(cards.first().render()) if cards else ""

        await wait_until(pilot, lambda: "lost list" in card_text() or "A1B2C3D4 is" in card_text(),
                         what="the plugin's note on the token card")
