"""The plugin's registrations, as the kiosk collects them."""

from __future__ import annotations

from pathlib import Path

import click
import helpdesk_pdf_sign.plugin as plugin
from pdf_sign_kit import OPERATOR

from helpdesk.extension import RecordAction, Workflow, gettext
from helpdesk.testing.kit import FormRegistry, Kiosk, RecordTypeRegistry

#: What ``spec.install(globals())`` put into the plugin module, by hook name.
HOOKS = plugin.spec.hooks(owner="pdf_sign")


def test_hook_register_workflows(kiosk: Kiosk) -> None:
    from helpdesk_pdf_sign.screens.sign import TestSignScreen

    found: list[Workflow] = []
    HOOKS["helpdesk_register_workflows"](found.append)
    [workflow] = found
    assert workflow.id == "pdf_sign" and workflow.title("vi") == "Ký thử" and workflow.needs_token
    assert isinstance(workflow.open(kiosk.context(OPERATOR, None)), TestSignScreen)


def test_hook_register_record_types() -> None:
    registry = RecordTypeRegistry()
    HOOKS["helpdesk_register_record_types"](registry.register)
    HOOKS["helpdesk_register_record_types"](registry.register)  # a second kiosk in the process: the same type
    kind = registry.get("pdf_sign.test")
    assert kind is not None and kind.owner == "pdf_sign"


def test_hook_register_forms() -> None:
    forms = FormRegistry()
    HOOKS["helpdesk_register_forms"](forms.register)
    assert "pdf_sign.test_document" in forms and "pdf_sign.receipt" in forms


def test_hook_register_commands() -> None:
    group = click.Group("helpdesk")
    HOOKS["helpdesk_register_commands"](group)
    registered = group.commands["sign"]
    sign = getattr(registered, "load", lambda: registered)()  # a lazy command stands in for the group
    assert isinstance(sign, click.Group) and set(sign.commands) == {"verify", "test"}


def test_hook_register_catalogs() -> None:
    found: list[str | Path] = []
    HOOKS["helpdesk_register_catalogs"](found.append)
    assert found == [plugin.LOCALE] and (plugin.LOCALE / "vi" / "LC_MESSAGES" / "pdf_sign.po").is_file()


def test_hook_register_record_actions(kiosk: Kiosk) -> None:
    from helpdesk_pdf_sign.screens.handover_sign import HandoverSignScreen

    found: list[RecordAction] = []
    plugin.helpdesk_register_record_actions(found.append)
    [action] = found
    assert action.record_types == ("handover",) and action.key == "f7"
    assert action.title("vi") == "Người nhận ký số biên bản"
    ctx = kiosk.context(OPERATOR, None)
    assert [a.id for a in ctx.record_actions("handover")] == [action.id]
    assert isinstance(action.open(ctx, []), HandoverSignScreen)


def test_the_kiosk_wires_everything(kiosk: Kiosk) -> None:
    assert kiosk.plugin_failures == []
    assert "pdf_sign.receipt" in kiosk.forms and kiosk.store.record_types.get("pdf_sign.test") is not None
    assert gettext("Test signing") == "Ký thử"


def test_the_module_carries_the_hooks() -> None:
    assert all(getattr(plugin, name) is not None for name in HOOKS)
    assert callable(plugin.helpdesk_register_record_actions)


def test_the_entry_point_is_installed() -> None:
    from importlib.metadata import entry_points

    [ep] = [ep for ep in entry_points(group="helpdesk") if ep.name == "pdf_sign"]
    assert ep.value == "helpdesk_pdf_sign.plugin"
