"""A real desk for the plugin's tests: the plugin registered in an empty plugin manager,
a kiosk (record store in the test's HELPDESK_HOME, forms, catalogs) around a real
TokenWorker on SoftHSM2, a holder with a subscriber record and a certificate, and a
small Textual host app that opens a workflow screen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pin_unlock_kit import Desk, make_desk

from helpdesk.testing.ca import person_subject
from helpdesk.testing.kit import Kiosk, load_settings, open_kiosk
from helpdesk.testing.softhsm import ProvisionedToken, SoftHSMStore


@pytest.fixture
def pin_plugin(register_plugin: Callable[..., str]) -> str:
    import helpdesk_pin_unlock.plugin

    return register_plugin(helpdesk_pin_unlock.plugin, "pin_unlock")


@pytest.fixture
def settings_text(helpdesk_home: Path) -> Callable[[str], None]:
    """Write ``helpdesk.toml`` (before the kiosk fixture is used)."""

    def write(text: str) -> None:
        (helpdesk_home / "helpdesk.toml").write_text(text, encoding="utf-8")

    return write


@pytest.fixture
def kiosk(pin_plugin: str, token_worker: Any) -> Iterator[Kiosk]:
    with open_kiosk(load_settings(), worker=token_worker) as opened:
        assert not opened.plugin_failures, opened.plugin_failures
        yield opened


@pytest.fixture(scope="session")
def pin_template(tmp_path_factory: pytest.TempPathFactory, test_ca: Any) -> tuple[SoftHSMStore, ProvisionedToken]:
    """One holder token (PIN 246810, SO PIN 13579135, key + certificate) made once."""
    store = SoftHSMStore(tmp_path_factory.mktemp("pin-template"))
    token = store.create_token(pin="246810", so_pin="13579135")
    store.add_identity(token, test_ca, subject=person_subject(name="Nguyễn Thị Ánh Tuyết"))
    return store, token


@pytest.fixture
def desk(kiosk: Kiosk, softhsm: Any, test_ca: Any, pin_template: tuple[SoftHSMStore, ProvisionedToken]) -> Desk:
    return make_desk(kiosk, softhsm, test_ca, template=pin_template)


