"""End-to-end fixtures: a real token in a real reader, and the kiosk app around it.

``token_in_reader(token)`` makes a SoftHSM2 token appear the way a USB token does: its
directory moves into the live store *and* a virtual card with :data:`TEST_CARD_ATR`
goes into a vpcd slot, so pcscd reports an insert and the TokenWorker (whose module
table maps that ATR to SoftHSM2) rescans and finds it. Removal takes the directory
away first, then the card, so the rescan after the PC/SC event no longer sees it.

``kiosk_app(...)`` builds the real app (``make_app``) on this test's settings and
store; ``log_in`` and ``wait_until`` drive it through Textual's Pilot. Plugins' own
tests can use them to open their workflow in the real kiosk.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from helpdesk.testing.fixtures_tokens import TEST_CARD_ATR

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from helpdesk.app import HelpdeskApp
    from helpdesk.config import Settings
    from helpdesk.operators import Operator
    from helpdesk.store import Store
    from helpdesk.testing.fixtures_pcsc import VirtualCardFactory
    from helpdesk.testing.softhsm import ProvisionedToken, SoftHSMStore
    from helpdesk.testing.vcard import VirtualCard

__all__ = [
    "OPERATOR_PASSWORD",
    "NotificationLog",
    "TokenInReader",
    "insert_and_read",
    "kiosk_app",
    "kiosk_settings",
    "kiosk_store",
    "log_in",
    "make_operator",
    "open_by_key",
    "token_in_reader",
    "wait_until",
]

#: The password ``make_operator`` gives accounts unless told otherwise.
OPERATOR_PASSWORD = "mat-khau-thu-nghiem"


@dataclass
class TokenInReader:
    """A SoftHSM2 token and the virtual card standing for it in a vpcd slot."""

    softhsm: SoftHSMStore
    token: ProvisionedToken
    card: VirtualCard
    reader: str = ""

    def remove(self) -> None:
        """Pull it out: the token directory leaves first, then the card."""
        self.softhsm.remove(self.token)
        self.card.remove()

    def insert(self) -> None:
        self.softhsm.insert(self.token)
        self.card.insert()


@dataclass
class _Inserter:
    softhsm: SoftHSMStore
    virtual_card: VirtualCardFactory
    inserted: list[TokenInReader] = field(default_factory=list)

    def __call__(self, token: ProvisionedToken, slot: int = 0) -> TokenInReader:
        from helpdesk.testing.fixtures_pcsc import VPCD_READERS

        self.softhsm.insert(token)  # the directory first: the rescan on insert must see it
        card = self.virtual_card(TEST_CARD_ATR, slot)
        pair = TokenInReader(self.softhsm, token, card, VPCD_READERS[slot])
        self.inserted.append(pair)
        return pair


@pytest.fixture
def token_in_reader(softhsm: SoftHSMStore, virtual_card: VirtualCardFactory) -> Iterator[Callable[..., TokenInReader]]:
    """``token_in_reader(token, slot=0) -> TokenInReader``; mark the test ``pcsc``.

    Create the token with ``softhsm.create_token(inserted=False)`` (and add identities)
    first; everything still inserted is removed at teardown.
    """
    inserter = _Inserter(softhsm, virtual_card)
    yield inserter
    for pair in inserter.inserted:
        if pair.card.inserted:
            pair.remove()


# ---- the app --------------------------------------------------------------------------
@pytest.fixture
def kiosk_settings() -> Settings:
    """Settings from this test's HELPDESK_HOME (defaults: Vietnamese, kiosk-01)."""
    from helpdesk.config import load_settings

    return load_settings()


@pytest.fixture
def kiosk_store(kiosk_settings: Settings) -> Iterator[Store]:
    """The record store in the settings' data folder, shared by the test and the app."""
    from helpdesk.store import open_store

    store = open_store(kiosk_settings.data_dir, kiosk_settings.kiosk_id)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def make_operator(kiosk_settings: Settings, kiosk_store: Store) -> Callable[..., Operator]:
    """``make_operator(id="lan", name=…, role="operator", password=OPERATOR_PASSWORD,
    certs=())`` creates an account (``password=None``: token log-in only)."""
    from helpdesk.operators import OperatorBook
    from helpdesk.secret import Secret

    book = OperatorBook(kiosk_settings.data_dir)

    def make(operator_id: str = "lan", name: str = "Trần Thị Lan", role: str = "operator",
             password: str | None = OPERATOR_PASSWORD, certs: tuple[str, ...] = ()) -> Operator:
        return book.add(kiosk_store, operator_id, name, role, by="test",
                        password=Secret(password) if password is not None else None, cert_fingerprints=certs)

    return make


@pytest.fixture
def kiosk_app(kiosk_settings: Settings, kiosk_store: Store) -> Callable[..., HelpdeskApp]:
    """``kiosk_app(**make_app_kwargs)``: the real app on this test's settings and store,
    without PC/SC unless ``monitor=`` is given (e.g. ``ReaderMonitor``)."""
    from helpdesk.app import make_app, no_monitor

    def build(**kwargs: Any) -> HelpdeskApp:
        kwargs.setdefault("store", kiosk_store)
        kwargs.setdefault("monitor", no_monitor)
        return make_app(kwargs.pop("settings", kiosk_settings), **kwargs)

    return build


class NotificationLog:
    """A ``run_test(message_hook=…)`` that keeps the text of every notification shown."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: object) -> None:
        from textual.notifications import Notify

        if isinstance(message, Notify):
            self.messages.append(message.notification.message)

    def __contains__(self, text: object) -> bool:
        return text in self.messages

    def matching(self, fragment: str) -> list[str]:
        return [m for m in self.messages if fragment in m]


async def wait_until(pilot: Pilot[Any], condition: Callable[[], object], timeout: float = 10.0,
                     what: str = "condition") -> None:
    """Let the app run until ``condition()`` is true; fail the test after ``timeout`` s
    (the message names what was awaited and the screen's status line, if it has one)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            status = getattr(pilot.app.screen, "status_text", "")
            raise AssertionError(f"timed out after {timeout} s waiting for {what}"
                                 + (f"; status: {status!r}" if status else ""))
        await pilot.pause(0.02)


async def log_in(pilot: Pilot[Any], operator_id: str = "lan", password: str = OPERATOR_PASSWORD) -> None:
    """Fill in name and password on the log-in screen, press Enter, wait for the home
    screen. (The fields are filled like a paste: typing key by key costs ≈ 0.1 s a key.)"""
    from textual.widgets import Input

    from helpdesk.screens.home import HomeScreen

    app = pilot.app
    await wait_until(pilot, lambda: app.screen.query("#password"), what="the log-in screen")
    app.screen.query_one("#operator-id", Input).value = operator_id
    app.screen.query_one("#password", Input).value = password
    app.screen.query_one("#password", Input).focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="the home screen after log-in")


async def insert_and_read(pilot: Pilot[Any], token_in_reader: Callable[..., TokenInReader],
                          token: ProvisionedToken, timeout: float = 30.0) -> TokenInReader:
    """Once pcscd's readers are known, put ``token`` into the virtual reader (the
    ``token_in_reader`` fixture) and wait until the kiosk has read it."""
    app = pilot.app
    await wait_until(pilot, lambda: getattr(app, "readers", None), what="pcscd's readers")
    pair = token_in_reader(token)
    await wait_until(pilot, lambda: getattr(app, "current_token", None) is not None, timeout=timeout,
                     what="the token")
    return pair


async def open_by_key(pilot: Pilot[Any], home: Any, workflow_id: str, screen_type: type) -> Any:
    """Press the key the home menu shows for the workflow; return the screen it opens."""
    from helpdesk.widgets.workflow_menu import WorkflowMenu

    await wait_until(pilot, lambda: workflow_id in home.keys, what=f"the {workflow_id} menu entry")
    key = home.keys[workflow_id]
    entry = str(home.query_one(WorkflowMenu).get_option(workflow_id).prompt)
    assert entry.strip().startswith(key.upper()), entry  # the key shown is the key pressed
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen_type), what=f"the {workflow_id} screen")
    return pilot.app.screen
