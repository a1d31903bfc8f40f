"""A real desk for the renewal tests: the plugin registered in an empty plugin manager, a
kiosk context on the test's HELPDESK_HOME around a TokenWorker on SoftHSM2, the test CA,
and the command line run in-process (the same wiring as ``helpdesk renewal …``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result

from helpdesk.extension import OperatorRef, WorkflowContext
from helpdesk.testing.kit import Kiosk, cli, load_settings, open_kiosk
from helpdesk.testing.softhsm import SOFTHSM_LIBRARY

__all__ = ["OPERATOR", "ctx", "desk", "form", "handover_plugin", "kiosk", "pkcs11_env", "renewal_plugin", "run",
           "run_json"]

OPERATOR = OperatorRef("op-binh", "Trần Văn Bình", "operator")


def form(name: str = "Nguyễn Thị Ánh Tuyết", national_id: str = "092186001234", unit: str = "UBND phường Tân An",
         **more: Any) -> dict[str, Any]:
    """The request form's data for one person."""
    return {"name": name, "position": "Chủ tịch", "unit": unit, "national_id": national_id,
            "email": f"u{national_id[-4:]}@cantho.gov.vn", "phone": "0912345678", "date_of_birth": "1980-05-12",
            **more}


@pytest.fixture
def renewal_plugin(register_plugin: Callable[..., str]) -> str:
    import helpdesk_renewal.plugin

    return register_plugin(helpdesk_renewal.plugin, "renewal")


@pytest.fixture
def pkcs11_env(softhsm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands (``command_context``) read the test's SoftHSM2 store."""
    monkeypatch.setenv("HELPDESK_PKCS11_MODULE", SOFTHSM_LIBRARY)


@pytest.fixture
def kiosk(renewal_plugin: str, token_worker: Any) -> Iterator[Kiosk]:
    with open_kiosk(load_settings(), worker=token_worker) as opened:
        assert not opened.plugin_failures, opened.plugin_failures
        yield opened


@pytest.fixture
def ctx(kiosk: Kiosk) -> WorkflowContext:
    return kiosk.context(OPERATOR, None)


@pytest.fixture
def handover_plugin(register_plugin: Callable[..., str]) -> str:
    """The real handover plugin too (its ``handover`` record type and forms)."""
    import helpdesk_handover.plugin

    return register_plugin(helpdesk_handover.plugin, "handover")


@pytest.fixture
def desk(handover_plugin: str, renewal_plugin: str, token_worker: Any) -> Iterator[WorkflowContext]:
    """A context with both plugins: renewal and handover."""
    opened = open_kiosk(load_settings(), worker=token_worker)
    assert not opened.plugin_failures, opened.plugin_failures
    try:
        yield opened.context(OPERATOR, None)
    finally:
        opened.close()


def run(*args: str, input: str | None = None) -> Result:
    """``helpdesk ARGS`` in-process (exit code, stdout and stderr apart)."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def run_json(*args: str, input: str | None = None) -> Any:
    result = run(*args, "--json", input=input)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)
