"""The inventory plugin's registrations (the entry point names this module)."""

from __future__ import annotations

from pathlib import Path

from helpdesk.extension import PluginSpec, RecordTypeSpec, Workflow

RECORD_TYPE = "inventory.count"
FORM = "inventory.report"

HELPDESK_API = ">=1.0,<2"  # plugin API versions supported (helpdesk.extension.API_VERSION)

spec = PluginSpec(
    workflows=(Workflow("inventory", "Kiểm kê thiết bị", "Token stock-taking",
                        screen="helpdesk_inventory.screen:InventoryScreen", needs_token=False, order=80),),
    record_types=(RecordTypeSpec(RECORD_TYPE, "helpdesk_inventory.count:validate",
                                 "A box of tokens counted against the CA's delivery list"),),
    forms={FORM: "helpdesk_inventory.count:build_report"},
    commands={"inventory": "helpdesk_inventory.cli:inventory"},
    locale=Path(__file__).parent / "locale",
)
spec.install(globals())
