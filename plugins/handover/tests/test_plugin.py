"""The plugin's registrations (a PluginSpec), as the kiosk collects them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import helpdesk_handover.plugin as plugin
from handover_kit import OPERATOR

from helpdesk.extension import Workflow, gettext
from helpdesk.testing.kit import FormRegistry, Kiosk, RecordTypeRegistry

#: What ``spec.install(globals())`` put into the plugin module, by hook name.
HOOKS: dict[str, Callable[..., None]] = {name: fn for name, fn in vars(plugin).items() if name.startswith("helpdesk_")}


def test_hook_register_workflows() -> None:
    found: list[Workflow] = []
    HOOKS["helpdesk_register_workflows"](found.append)
    assert [w.id for w in found] == ["handover", "handover_batch", "roster_import", "handover_history"]
    handover = found[0]
    assert handover.needs_token and handover.title("vi") == "Bàn giao thiết bị lưu khóa"


def test_every_workflow_screen_imports_and_builds(kiosk: Kiosk) -> None:
    from helpdesk_handover.screens.handover import HandoverScreen

    found: list[Workflow] = []
    HOOKS["helpdesk_register_workflows"](found.append)
    screens = {w.id: w.open(kiosk.context(OPERATOR, None)) for w in found}
    assert isinstance(screens["handover"], HandoverScreen) and not screens["handover"].batch_mode
    assert isinstance(screens["handover_batch"], HandoverScreen) and screens["handover_batch"].batch_mode
    assert type(screens["roster_import"]).__name__ == "RosterScreen"
    assert type(screens["handover_history"]).__name__ == "HistoryScreen"


def test_hook_register_record_types() -> None:
    registry = RecordTypeRegistry()
    HOOKS["helpdesk_register_record_types"](registry.register)
    HOOKS["helpdesk_register_record_types"](registry.register)  # a second kiosk in the process: the same type
    kind = registry.get("handover")
    assert kind is not None and kind.owner == "handover"


def test_hook_register_forms() -> None:
    forms = FormRegistry()
    HOOKS["helpdesk_register_forms"](forms.register)
    assert "handover" in forms


def test_hook_register_catalogs() -> None:
    found: list[str | Path] = []
    HOOKS["helpdesk_register_catalogs"](found.append)
    assert found == [plugin.LOCALE] and (plugin.LOCALE / "vi" / "LC_MESSAGES" / "handover.po").is_file()


def test_the_kiosk_wires_everything(kiosk: Kiosk) -> None:
    assert kiosk.plugin_failures == []
    assert "handover" in kiosk.forms and kiosk.store.record_types.get("handover") is not None
    assert gettext("Hand over a token") == "Bàn giao thiết bị lưu khóa bí mật"


def test_spec_install_wrote_the_hooks_into_the_plugin_module() -> None:
    assert set(HOOKS) == {"helpdesk_register_workflows", "helpdesk_register_record_types",
                          "helpdesk_register_forms", "helpdesk_register_commands", "helpdesk_register_catalogs"}


def test_the_entry_point_is_installed() -> None:
    from importlib.metadata import entry_points

    [ep] = [ep for ep in entry_points(group="helpdesk") if ep.name == "handover"]
    assert ep.value == "helpdesk_handover.plugin"
