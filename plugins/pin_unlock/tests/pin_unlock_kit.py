"""Helpers for the pin_unlock tests (a unique module name: test folders share sys.path)."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from dataclasses import dataclass
from typing import Any

from helpdesk_pin_unlock.plugin import WORKFLOWS
from textual.app import App

from helpdesk.extension import (
    OperatorRef,
    Subscriber,
    TokenInfo,
    WorkflowContext,
)
from helpdesk.testing.ca import person_subject
from helpdesk.testing.fixtures_store import make_units
from helpdesk.testing.kit import InjectedFault, Kiosk
from helpdesk.testing.softhsm import ProvisionedToken, SoftHSMStore

HOLDER_ID = "092186001234"
OPERATOR = OperatorRef("op-binh", "Trần Văn Bình", "operator")
ADMIN = OperatorRef("admin-lan", "Lê Thị Lan", "admin")


@dataclass
class Desk:
    kiosk: Kiosk
    token: ProvisionedToken
    subscriber: Subscriber

    def info(self) -> TokenInfo:
        return self.kiosk.worker.identify(self.token.serial).result(10)

    def context(self, operator: OperatorRef = OPERATOR) -> WorkflowContext:
        return self.kiosk.context(operator, self.info())


def copy_token(softhsm: SoftHSMStore, template: tuple[SoftHSMStore, ProvisionedToken]) -> ProvisionedToken:
    """The template token (key, certificate, PINs) copied into this test's store: the same
    files ``add_identity`` writes, without its ~1 s subprocess per test."""
    source, token = template
    shutil.copytree(source.live / token.directory_name, softhsm.live / token.directory_name)
    copy = dataclasses.replace(token)
    softhsm.tokens[copy.serial] = copy
    return copy


def make_desk(kiosk: Kiosk, softhsm: Any, test_ca: Any, *, pin: str = "246810", so_pin: str = "13579135",
              label: str = "VGCA Token", subscriber_id: str = "sb-tuyet", national_id: str = HOLDER_ID,
              name: str = "Nguyễn Thị Ánh Tuyết",
              template: tuple[SoftHSMStore, ProvisionedToken] | None = None) -> Desk:
    if template is not None:
        token = copy_token(softhsm, template)
    else:
        token = softhsm.create_token(label=label, pin=pin, so_pin=so_pin)
        softhsm.add_identity(token, test_ca, subject=person_subject(name=name))
    store = kiosk.store
    if store.units.get("p-tanan") is None:
        store.units.add_many(make_units(), "test")
    subscriber = store.subscribers.add({
        "id": subscriber_id, "full_name": name, "position": "Kế toán trưởng", "unit_id": "p-tanan",
        "national_id": national_id, "email": "tuyetnta@cantho.gov.vn", "token_serial": token.serial,
    }, "test")
    return Desk(kiosk, token, subscriber)


def unlock_screen(ctx: WorkflowContext) -> Any:
    """The unlock workflow's screen, opened as the kiosk's menu opens it."""
    return next(w for w in WORKFLOWS if w.id == "pin_unlock").open(ctx)


def change_screen(ctx: WorkflowContext) -> Any:
    return next(w for w in WORKFLOWS if w.id == "pin_change").open(ctx)


def status(app: App[Any]) -> str:
    """The workflow's status line (#status)."""
    from textual.widgets import Static

    return str(app.screen.query_one("#status", Static).render())


def texts(app: App[Any]) -> str:
    """Every Static's text on the current screen, one string (for assertions)."""
    from textual.widgets import Static

    return "\n".join(str(w.render()) for w in app.screen.query(Static) if w.display)


class PauseAtSoLogin(InjectedFault):
    """FAULT INJECTION used as a pause point only: the worker reads ``so_login_error``
    just before the real SO log-in of an unlock; the test pulls the token there."""

    def __init__(self) -> None:
        super().__init__()
        self.reached, self.go = threading.Event(), threading.Event()

    @property  # type: ignore[override]
    def so_login_error(self) -> None:
        self.reached.set()
        assert self.go.wait(15)
        return None

    @so_login_error.setter
    def so_login_error(self, value: Any) -> None:
        pass
