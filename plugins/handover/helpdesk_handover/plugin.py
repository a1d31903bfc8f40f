"""The handover plugin's registrations (the entry point ``handover`` names this module).

Kept light: screens (Textual), ReportLab and openpyxl load only when first used.
"""

from __future__ import annotations

from pathlib import Path

from helpdesk.extension import PluginSpec, RecordTypeSpec, Workflow

LOCALE = Path(__file__).parent / "locale"
SCREENS = "helpdesk_handover.screens"

WORKFLOWS = (
    Workflow("handover", "Bàn giao thiết bị lưu khóa", "Hand over a token",
             screen=f"{SCREENS}.handover:HandoverScreen", needs_token=True, order=10),
    Workflow("handover_batch", "Bàn giao theo đơn vị (nhiều thiết bị)", "Hand over a unit's tokens (batch)",
             screen=f"{SCREENS}.handover:batch_screen", needs_token=False, order=11),
    Workflow("roster_import", "Nhập danh sách thuê bao", "Import a roster",
             screen=f"{SCREENS}.roster:RosterScreen", needs_token=False, order=60),
    Workflow("handover_history", "Lịch sử bàn giao", "Handover history",
             screen=f"{SCREENS}.history:HistoryScreen", needs_token=False, order=61),
)

HELPDESK_API = ">=1.0,<2"  # plugin API versions supported (helpdesk.extension.API_VERSION)

spec = PluginSpec(
    workflows=WORKFLOWS,
    record_types=(RecordTypeSpec("handover", "helpdesk_handover.record:validate_payload",
                                 "A token handed over to its holder (biên bản bàn giao)"),),
    forms={"handover": "helpdesk_handover.form:build_form"},
    commands={"roster": "helpdesk_handover.cli:roster", "handover": "helpdesk_handover.cli:handover"},
    locale=LOCALE,
)
spec.install(globals())
