"""Small behaviour tests for public names of ``helpdesk.extension`` no other test used
(the reference test requires every public name to be exercised somewhere)."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from helpdesk import hookimpl
from helpdesk.extension import (
    PIN_PAD,
    PIN_STATES,
    ROLES,
    ColumnShape,
    FormBuilder,
    FormDocument,
    GeneratedKey,
    HelpdeskError,
    JobState,
    KeyRef,
    Organisation,
    Pin,
    Record,
    Register,
    RegistrationError,
    RowValidator,
    ScreenFactory,
    Secret,
    Signer,
    StatusLine,
    Subject,
    Table,
    Target,
    TokenKey,
    TokenWorker,
    Unit,
    Workflow,
    WorkflowContext,
    cli_operator,
    command_context,
    delete_key_pair,
    describe_error,
    find_workflow,
    lazy,
    list_keys,
    pin_stdin_option,
    read_pin,
    registered_workflows,
    resolve,
)
from helpdesk.testing.pdftools import pdf_text
from helpdesk.testing.softhsm import SoftHSMStore


def _screen(ctx: WorkflowContext) -> Any:
    return None


SCREEN: ScreenFactory = _screen


class Menu:
    @hookimpl
    def helpdesk_register_workflows(self, register: Register) -> None:
        register(Workflow("stock", "Kiểm kê thiết bị", "Stock-taking", screen=SCREEN, pin_states=PIN_STATES[:2],
                          role=ROLES[1]))


def test_roles_and_pin_states_bound_what_a_workflow_may_ask(register_plugin: Any) -> None:
    assert ROLES == ("operator", "trainer", "admin")
    assert PIN_STATES == ("ok", "count_low", "final_try", "locked")
    register_plugin(Menu(), "menu")
    found = find_workflow("stock")
    assert found is not None and found.plugin == "menu" and found.role == "trainer"
    assert [w.id for w in registered_workflows() if w.plugin == "menu"] == ["stock"]
    assert find_workflow("missing") is None

    class Bad:
        @hookimpl
        def helpdesk_register_workflows(self, register: Register) -> None:
            register(Workflow("bad", "Sai", "Bad", screen=SCREEN, pin_states=("blocked",)))

    register_plugin(Bad(), "bad")
    assert find_workflow("bad") is None
    from helpdesk import plugins

    [failure] = plugins.new_failures()
    assert failure.plugin == "bad" and "unknown PIN state" in failure.error


def test_column_shape_checks_a_whole_column() -> None:
    shape = ColumnShape(r"\d{12}", chars="0-9", lengths=(12,))
    assert shape.failing(["092186001234", "09218600123", None, "0921860012ab"]) == [1, 3]
    assert shape.as_is(["092186001234", None]) and not shape.as_is(["92186001234"])


def test_cli_operator_and_a_pin_read_from_standard_input() -> None:
    assert cli_operator("lan").id == "lan" and cli_operator().id.startswith("cli:")
    seen: list[Secret] = []

    @click.command()
    @pin_stdin_option
    def check(pin_stdin: bool) -> None:
        seen.append(read_pin("PIN:", from_stdin=pin_stdin))
        click.echo(str(seen[-1]))  # a Secret never prints its value

    result = CliRunner().invoke(check, ["--pin-stdin"], input="123456\n")
    assert result.exit_code == 0 and "123456" not in result.output
    assert seen[0].reveal() == "123456"
    assert isinstance(seen[0], typing.get_args(Pin)) and isinstance(PIN_PAD, typing.get_args(Pin))
    no_tty = CliRunner().invoke(check, [], input="123456\n")
    assert no_tty.exit_code == 2 and "--pin-stdin" in no_tty.output


def test_describe_error_speaks_to_the_operator() -> None:
    assert describe_error(HelpdeskError("Token serial is required")) == "Lỗi: Token serial is required"
    assert describe_error(ValueError("secret detail")) != "" and "secret detail" not in describe_error(ValueError("x"))
    from textual.widgets import Static

    assert issubclass(StatusLine, Static)


def test_tables_units_and_row_validators(helpdesk_home: Path) -> None:
    def needs_title(row: Mapping[str, Any]) -> list[str]:
        return [] if row.get("title") else ["title is required"]

    validate: RowValidator = needs_title
    with command_context("lan") as ctx:
        classes = ctx.table("stock.boxes", validate=validate)
        assert isinstance(classes, Table)
        classes.insert("HOP-01", {"title": "Hộp 1", "count": 30}, ctx.operator.id)
        with pytest.raises(HelpdeskError):
            classes.insert("HOP-02", {"count": 30}, ctx.operator.id)
        assert [row["title"] for row in classes.all()] == ["Hộp 1"]
        unit = ctx.store.units.add({"id": "snv", "name": "Sở Nội vụ", "level": "sở/ban/ngành"}, ctx.operator.id)
        found = ctx.store.units.get("snv")
        assert isinstance(unit, Unit) and found is not None and found.name == "Sở Nội vụ"


def _receipt(org: Organisation, record: Record) -> FormDocument:
    doc = FormDocument(org, number="1/KK-SNV", title="Biên bản kiểm kê", date=date(2026, 12, 6))
    doc.paragraph(f"Hộp {record.payload['box']}")
    return doc.signatures([Signer("NGƯỜI KIỂM KÊ", "Trần Thị Lan")])


def test_a_form_builder_with_signers_renders() -> None:
    builder: FormBuilder = _receipt
    record = Record(id="r1", kiosk_id="k", operator="lan", time="2026-12-06T00:00:00Z", type="stock.count",
                    subject=Subject(None, None, None),
                    payload={"box": "HOP-01"})
    org = Organisation(parent="UBND THÀNH PHỐ CẦN THƠ", name="SỞ NỘI VỤ", code="SNV", place="Cần Thơ")
    text = pdf_text(builder(org, record).render())
    assert "NGƯỜI KIỂM KÊ" in text and "Trần Thị Lan" in text and "Hộp HOP-01" in text


def test_job_states_name_the_final_ones() -> None:
    assert {"pending", "completed", "aborted", "cancelled"} <= set(typing.get_args(JobState))


def test_keys_on_a_token_listed_and_deleted(softhsm: SoftHSMStore, token_worker: TokenWorker) -> None:
    token = softhsm.create_token()
    pin = Secret(token.pin)
    made = token_worker.generate_key_pair(token.serial, pin, key_id="A1", label="thu").result(timeout=60)
    assert isinstance(made, GeneratedKey) and made.id.upper() == "A1"
    assert token_worker.public_key(token.serial, KeyRef(id="A1"), pin).result(timeout=30) == made.public_key_der
    keys = token_worker.run_in_session(token.serial, list_keys, pin=pin).result(timeout=30)
    assert [(k.id, k.label) for k in keys] == [("A1", "thu")] and all(isinstance(k, TokenKey) for k in keys)
    gone = token_worker.run_in_session(token.serial, partial(delete_key_pair, key_id="A1"), pin=pin,
                                       rw=True).result(timeout=30)
    assert gone == 2
    assert token_worker.run_in_session(token.serial, list_keys, pin=pin).result(timeout=30) == []


def test_registration_errors_are_plugin_errors() -> None:
    assert issubclass(RegistrationError, HelpdeskError)


def test_targets_are_resolved_now_or_on_first_call() -> None:
    import textwrap

    target: Target = "textwrap:dedent"
    assert resolve(target) is textwrap.dedent and resolve(len) is len
    later = lazy("textwrap:shorten")
    assert later.__name__ == "shorten" and later("a b c d e", width=7) == "a [...]"
    assert lazy(len) is len
    with pytest.raises(HelpdeskError, match="Bad target"):
        resolve("textwrap")
