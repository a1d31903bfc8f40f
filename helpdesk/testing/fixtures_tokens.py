"""Fixtures: a SoftHSM2 store per test, a test CA, and a TokenWorker reading it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk.config import ModuleEntry
from helpdesk.testing.ca import TestCA
from helpdesk.testing.softhsm import SOFTHSM_LIBRARY, SoftHSMStore
from helpdesk.tokens.modules import ModuleRegistry
from helpdesk.tokens.pkcs11 import TokenWorker

#: ATR of the virtual test card; the test module table maps it to SoftHSM2.
TEST_CARD_ATR = "3B8F8001804F0CA0000003060300030000000068"
SOFTHSM_ENTRY = ModuleEntry(name="softhsm", path=SOFTHSM_LIBRARY, atrs=(TEST_CARD_ATR,), reinit_on_change=True)


@pytest.fixture(scope="session")
def test_ca() -> TestCA:
    return TestCA.create()


@pytest.fixture
def softhsm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SoftHSMStore:
    """An empty SoftHSM2 store private to this test (``SOFTHSM2_CONF`` points at it)."""
    store = SoftHSMStore(tmp_path / "softhsm")
    monkeypatch.setenv("SOFTHSM2_CONF", str(store.conf))
    return store


@pytest.fixture
def module_registry() -> ModuleRegistry:
    """Only SoftHSM2 (mapped to the virtual card's ATR): tests never touch real modules."""
    return ModuleRegistry(settings_modules=(SOFTHSM_ENTRY,), builtins=(SOFTHSM_ENTRY,))


@pytest.fixture
def token_worker(softhsm: SoftHSMStore, module_registry: ModuleRegistry) -> Iterator[TokenWorker]:
    worker = TokenWorker(module_registry).start()
    try:
        yield worker
    finally:
        worker.stop()
