"""The plugin's hooks, as the kiosk collects them."""

from __future__ import annotations

from helpdesk import plugins
from helpdesk.forms import FormRegistry
from helpdesk.i18n import gettext
from helpdesk.kiosk import Kiosk
from helpdesk.store import RecordTypeRegistry


def test_hook_register_workflows(handover_plugin: str) -> None:
    outcome = plugins.collect_workflows()
    assert outcome.ok
    ids = [w.id for w in outcome.value]
    assert ids == ["handover", "handover_batch", "roster_import", "handover_history"]
    handover = outcome.value[0]
    assert handover.needs_token and handover.title("vi") == "Bàn giao thiết bị lưu khóa"


def test_hook_register_record_types(handover_plugin: str) -> None:
    registry = RecordTypeRegistry()
    assert plugins.collect_record_types(registry.register).ok
    kind = registry.get("handover")
    assert kind is not None and kind.owner == "handover"


def test_hook_register_forms(handover_plugin: str) -> None:
    forms = FormRegistry()
    assert plugins.collect_forms(forms.register).ok
    assert "handover" in forms


def test_hook_register_catalogs(handover_plugin: str) -> None:
    assert plugins.collect_catalogs().ok
    assert gettext("Hand over a token") == "Bàn giao thiết bị lưu khóa bí mật"


def test_the_kiosk_wires_everything(kiosk: Kiosk) -> None:
    assert kiosk.plugin_failures == []
    assert "handover" in kiosk.forms and kiosk.store.record_types.get("handover") is not None


def test_the_entry_point_is_installed() -> None:
    from importlib.metadata import entry_points

    [ep] = [ep for ep in entry_points(group="helpdesk") if ep.name == "handover"]
    assert ep.value == "helpdesk_handover.plugin"
