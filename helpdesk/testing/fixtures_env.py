"""Isolation for every test: a temporary HELPDESK_HOME and language reset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def helpdesk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private data folder per test (``HELPDESK_HOME``); Vietnamese interface."""
    home = tmp_path / "helpdesk-home"
    home.mkdir()
    monkeypatch.setenv("HELPDESK_HOME", str(home))
    monkeypatch.delenv("HELPDESK_CONFIG", raising=False)
    monkeypatch.delenv("HELPDESK_PKCS11_MODULE", raising=False)
    from helpdesk import i18n

    i18n.set_language("vi")
    yield home
    i18n.set_language("vi")
