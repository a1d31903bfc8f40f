"""The training plugin's hooks, written by :class:`PluginSpec` (the entry point
``training`` names this module). Kept light: screens, ReportLab and openpyxl load when used.
"""

from __future__ import annotations

from pathlib import Path

from helpdesk.extension import PluginSpec, RecordTypeSpec, Workflow
from helpdesk_training.stats import SECTION

LOCALE = Path(__file__).parent / "locale"

HELPDESK_API = ">=1.0,<2"  # plugin API versions supported (helpdesk.extension.API_VERSION)

spec = PluginSpec(
    workflows=(
        # role "trainer": a trainer's menu starts with it (the kiosk lists a role's own workflows
        # first); for an admin it comes after the desk's handover and unlock workflows
        Workflow("training_checkin", "Điểm danh lớp tập huấn", "Training class check-in",
                 screen="helpdesk_training.screens.checkin:CheckInScreen", role="trainer", needs_token=False,
                 order=50),
    ),
    record_types=(
        RecordTypeSpec("training.sheet", "helpdesk_training.sheets:validate_payload",
                       "A training class sign-in sheet or attendance list (danh sách học viên)"),
    ),
    forms={"training.sheet": "helpdesk_training.sheets:build_form"},
    commands={"training": "helpdesk_training.cli:training"},
    reports=(SECTION,),
    locale=LOCALE,
)
spec.install(globals())
