"""WorkflowScreen: the token in the reader through the app's public messages, jobs with
callbacks (no worker names), errors on the status line."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult

from helpdesk.extension import (
    HelpdeskError,
    OperatorRef,
    TokenFlags,
    TokenInfo,
    TokenInserted,
    TokenRemoved,
    WorkflowContext,
    WorkflowScreen,
)
from helpdesk.testing.fixtures_e2e import wait_until
from helpdesk.testing.host import ScreenHost


def token(serial: str) -> TokenInfo:
    return TokenInfo(serial=serial, label="VGCA", manufacturer="SoftHSM", model="SoftHSM v2", module="softhsm",
                     flags=TokenFlags(token_initialized=True))


class Probe(WorkflowScreen):
    def __init__(self, ctx: WorkflowContext) -> None:
        super().__init__(ctx)
        self.seen: list[str] = []
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield self.status_line()
        yield self.footer()

    def token_inserted(self, token: TokenInfo) -> None:
        self.seen.append(f"+{token.serial}")

    def token_removed(self, serial: str) -> None:
        self.seen.append(f"-{serial}")


class OneHolder(Probe):
    FOLLOW_READER: ClassVar[bool] = False


def context() -> WorkflowContext:
    return WorkflowContext(token=None, settings=None, store=None, worker=None,  # type: ignore[arg-type]
                           operator=OperatorRef("lan", "Trần Thị Lan", "operator"), form_registry=None)  # type: ignore[arg-type]


async def test_token_messages_reach_the_hooks_and_follow_the_reader() -> None:
    probe, one = Probe(context()), OneHolder(context())
    for screen in (probe, one):
        app = ScreenHost(screen)
        async with app.run_test() as pilot:
            await pilot.pause()
            for message in (TokenInserted(token("AA01")), TokenInserted(token("BB02")), TokenRemoved("AA01")):
                screen.post_message(message)
                await pilot.pause()
    assert probe.seen == one.seen == ["+AA01", "+BB02", "-AA01"]
    assert probe.token is not None and probe.token.serial == "BB02"  # a queue: the newest token
    assert one.token is None  # one holder's workflow kept AA01 until it was pulled


async def test_jobs_call_back_on_the_ui_thread_and_errors_show_on_the_status_line() -> None:
    probe = Probe(context())
    app = ScreenHost(probe)

    def refuse() -> None:
        raise HelpdeskError("The token is full: no room for a new key")

    async with app.run_test() as pilot:
        await pilot.pause()
        probe.run_job(lambda a, b: a + b, 2, 3, done=probe.results.append)
        probe.run_job(refuse, group="other")
        await wait_until(pilot, lambda: probe.results and "Thiết bị" in probe.status_text, what="both jobs")
        assert probe.results == [5]
        assert "Thiết bị đã đầy" in probe.status_text
