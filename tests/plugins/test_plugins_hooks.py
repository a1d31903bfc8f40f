"""One test per hook (``test_hook_<name>``; a meta-test checks every hook has one).

Each registers a small plugin class and goes through the helper the core calls.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner

from helpdesk import hookimpl, i18n, plugins
from helpdesk.config import ModuleEntry
from helpdesk.tokens.model import TokenFlags, TokenInfo
from helpdesk.workflow.types import (
    Period,
    Problem,
    RecordAction,
    ReportRow,
    ReportSection,
    Workflow,
)

TOKEN = TokenInfo(
    serial="A1B2C3", label="NGUYEN VAN A", manufacturer="SafeNet", model="eToken",
    module="safenet", flags=TokenFlags(token_initialized=True, user_pin_locked=True),
)


def test_hook_startup(register_plugin: Any) -> None:
    seen: list[tuple[str, Any]] = []

    class Early:
        @hookimpl
        def helpdesk_startup(self, app: Any) -> None:
            seen.append(("early", app))

    class Late:
        @hookimpl
        def helpdesk_startup(self, app: Any) -> None:
            seen.append(("late", app))

    app = object()
    register_plugin(Early(), "early")
    assert plugins.startup(app).ok
    register_plugin(Late(), "late")  # historic: told on registration
    assert seen == [("early", app), ("late", app)]


def test_hook_register_commands(register_plugin: Any) -> None:
    class Cmds:
        @hookimpl
        def helpdesk_register_commands(self, cli: click.Group) -> None:
            @cli.command("unit-count")
            @click.argument("unit")
            def unit_count(unit: str) -> None:
                click.echo(f"đơn vị {unit}: 3")

    register_plugin(Cmds(), "cmds")
    commands = plugins.collect_commands()
    assert "unit-count" in commands and "token" in commands  # the core's come through the same hook
    assert plugins.get_plugin_manager().get_plugin_object("core") is not None

    from helpdesk.cli import cli

    result = CliRunner().invoke(cli, ["unit-count", "Sở Tư pháp"])
    assert result.exit_code == 0 and result.output == "đơn vị Sở Tư pháp: 3\n"
    assert "unit-count" in CliRunner().invoke(cli, ["--help"]).output


def test_hook_register_workflows(register_plugin: Any) -> None:
    class Flows:
        @hookimpl
        def helpdesk_register_workflows(self, register: Any) -> None:
            register(Workflow("pin_unlock", "Mở khóa PIN", "Unlock PIN", screen=lambda t: ("screen", t),
                              pin_states=("locked", "final_try"), key="f3", order=20))
            register(Workflow("report_day", "Báo cáo ngày", "Daily report", screen=lambda t: None,
                              needs_token=False, role="admin", order=90))

    register_plugin(Flows(), "flows")
    unlock, report = plugins.collect_workflows().value
    assert (unlock.id, unlock.plugin, unlock.key) == ("pin_unlock", "flows", "f3")
    assert unlock.offered_for(TOKEN) and not unlock.offered_for(None)
    assert report.offered_for(None) and report.title("en") == "Daily report"
    assert unlock.open(TOKEN) == ("screen", TOKEN)  # type: ignore[arg-type]  # the factory gets what open() is given


def test_hook_identify_token(register_plugin: Any) -> None:
    class Vendor:
        @hookimpl
        def helpdesk_identify_token(self, reader: str, atr: str) -> ModuleEntry | None:
            if atr.startswith("3BD518") or "Bit4id" in reader:
                return ModuleEntry("safenet", "/usr/lib/libeTPkcs11.so", reinit_on_change=True)
            return None

    register_plugin(Vendor(), "vendor")
    assert plugins.identify_token("Generic Reader 00", "3BD5180081") == ModuleEntry(
        "safenet", "/usr/lib/libeTPkcs11.so", reinit_on_change=True
    )
    assert plugins.identify_token("Generic Reader 00", "3B9513810180") is None


def test_hook_token_inserted(register_plugin: Any) -> None:
    seen: list[TokenInfo] = []

    class Watcher:
        @hookimpl
        def helpdesk_token_inserted(self, token: TokenInfo) -> None:
            seen.append(token)

    register_plugin(Watcher(), "watcher")
    assert plugins.notify_token_inserted(TOKEN).ok
    assert seen == [TOKEN]


def test_hook_token_removed(register_plugin: Any) -> None:
    seen: list[str] = []

    class Watcher:
        @hookimpl
        def helpdesk_token_removed(self, serial: str) -> None:
            seen.append(serial)

    register_plugin(Watcher(), "watcher")
    assert plugins.notify_token_removed("A1B2C3").ok
    assert seen == ["A1B2C3"]


def test_hook_register_record_types(register_plugin: Any) -> None:
    class Types:
        @hookimpl
        def helpdesk_register_record_types(self, register: Any) -> None:
            register("handover", version=1, fields=("subscriber", "token_serial"))

    registry: dict[str, dict[str, Any]] = {}

    def store_register(name: str, **spec: Any) -> None:
        registry[name] = {**spec, "plugin": plugins.current_plugin()}

    register_plugin(Types(), "types")
    assert plugins.collect_record_types(store_register).ok
    assert registry == {"handover": {"version": 1, "fields": ("subscriber", "token_serial"), "plugin": "types"}}


def test_hook_record_saved(register_plugin: Any) -> None:
    seen: list[Any] = []

    class Listener:
        @hookimpl
        def helpdesk_record_saved(self, record: Any) -> None:
            seen.append(record)

    record = {"id": "r-1", "type": "handover", "time": datetime(2025, 3, 1, tzinfo=UTC)}
    register_plugin(Listener(), "listener")
    assert plugins.record_saved(record).ok
    assert seen == [record]


def test_hook_validate_record(register_plugin: Any) -> None:
    class SerialCheck:
        @hookimpl
        def helpdesk_validate_record(self, record: dict[str, Any]) -> list[Problem]:
            if not record.get("token_serial"):
                return [Problem("Token serial is required", field="token_serial")]
            return []

    class NameCheck:
        @hookimpl
        def helpdesk_validate_record(self, record: dict[str, Any]) -> list[Problem] | None:
            if record.get("subscriber", "").isupper():
                return [Problem("Name in capitals: {name}", field="subscriber", severity="warning",
                                params={"name": record["subscriber"]})]
            return None

    register_plugin(SerialCheck(), "serial")
    register_plugin(NameCheck(), "name")
    problems = plugins.validate_record({"subscriber": "NGUYEN VAN A"}).value
    assert sorted((p.plugin, p.field, p.severity) for p in problems) == [
        ("name", "subscriber", "warning"), ("serial", "token_serial", "error"),
    ]
    assert plugins.validate_record({"subscriber": "Nguyễn Văn A", "token_serial": "X"}).value == []


def test_hook_register_forms(register_plugin: Any) -> None:
    class Forms:
        @hookimpl
        def helpdesk_register_forms(self, register: Any) -> None:
            register("bien_ban_ban_giao", render=lambda record: b"%PDF")

    forms: dict[str, Any] = {}
    register_plugin(Forms(), "forms")
    assert plugins.collect_forms(lambda name, render: forms.setdefault(name, render)).ok
    assert forms["bien_ban_ban_giao"]({}) == b"%PDF"


def test_hook_register_reports(register_plugin: Any) -> None:
    class Reports:
        @hookimpl
        def helpdesk_register_reports(self, register: Any) -> None:
            register(ReportSection("handovers_by_unit", "Bàn giao theo đơn vị", "Handovers by unit",
                                   compute=lambda ctx, period, unit: [
                                       ReportRow("handover.count", "Số bàn giao", "Handovers", 4, unit="stp")]))

    register_plugin(Reports(), "reports")
    (report,) = plugins.collect_report_sections().value
    assert (report.id, report.plugin, report.title("vi")) == ("handovers_by_unit", "reports", "Bàn giao theo đơn vị")
    (row,) = report.compute(None, Period.parse("2026Q4"), None)  # type: ignore[arg-type]
    assert (row.metric, row.value, row.label("vi")) == ("handover.count", 4, "Số bàn giao")


def test_hook_register_catalogs(register_plugin: Any, tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    (locale / "vi" / "LC_MESSAGES").mkdir(parents=True)
    (locale / "vi" / "LC_MESSAGES" / "demo.po").write_text(
        'msgid "Demo plugin greeting (hook test)"\nmsgstr "Xin chào từ phần mở rộng thử"\n', encoding="utf-8"
    )

    class Catalogs:
        @hookimpl
        def helpdesk_register_catalogs(self, register: Any) -> None:
            register(locale)

    register_plugin(Catalogs(), "catalogs")
    assert i18n.gettext("Demo plugin greeting (hook test)") == "Demo plugin greeting (hook test)"
    assert plugins.collect_catalogs().value == (locale,)
    assert i18n.gettext("Demo plugin greeting (hook test)") == "Xin chào từ phần mở rộng thử"


def test_hook_register_record_actions(register_plugin: Any) -> None:
    class Actions:
        @hookimpl
        def helpdesk_register_record_actions(self, register: Any) -> None:
            register(RecordAction("sign_record", "Ký số biên bản", "Sign the record", ("handover",),
                                  screen=lambda ctx, records: ("screen", len(records)), key="f7"))

    class BadActions:
        @hookimpl
        def helpdesk_register_record_actions(self, register: Any) -> None:
            register(RecordAction("print_again", "In lại", "Print again", ("handover",), screen=lambda ctx, records: None))
            register(RecordAction("no_types", "Sai", "Wrong", (), screen=lambda ctx, records: None))

    register_plugin(Actions(), "actions")
    register_plugin(BadActions(), "bad_actions")
    outcome = plugins.collect_record_actions()
    # A bad registration fails its plugin as a whole (none of its items, not even the
    # good one registered before it); the other plugin's action still comes back.
    (action,) = outcome.value
    assert (action.id, action.plugin, action.title("vi"), action.key) == ("sign_record", "actions", "Ký số biên bản", "f7")
    assert action.open(None, [1, 2]) == ("screen", 2)  # type: ignore[arg-type]
    assert [f.plugin for f in outcome.failures] == ["bad_actions"]
    assert "record_types must name at least one record type" in outcome.failures[0].error
    assert plugins.get_plugin_manager().state_of("actions") == "ok"
