"""What the pin_unlock plugin brings to the kiosk (the entry point names this module).

Kept light: screens (Textual), forms (ReportLab) and openpyxl are named as
``"module:attribute"`` targets and imported only when used.
"""

from __future__ import annotations

from pathlib import Path

from helpdesk.extension import PluginSpec, RecordTypeSpec, Workflow

WORKFLOWS = (
    # Any PIN state: a holder who forgot the PIN comes with a token that still says "ok".
    Workflow("pin_unlock", "Khôi phục mật khẩu – mở khóa thiết bị", "PIN recovery – unlock token",
             screen="helpdesk_pin_unlock.screens:UnlockScreen", needs_token=True, order=30),
    Workflow("pin_change", "Đổi mã PIN", "Change PIN", screen="helpdesk_pin_unlock.change:ChangePinScreen",
             needs_token=True, pin_states=("ok", "count_low", "final_try"), order=31),
)

HELPDESK_API = ">=1.0,<2"  # plugin API versions supported (helpdesk.extension.API_VERSION)

spec = PluginSpec(
    workflows=WORKFLOWS,
    record_types=(
        RecordTypeSpec("pin_unlock.attempt", "helpdesk_pin_unlock.records:validate_attempt",
                       "A PIN unlock or change attempt and its outcome (no PINs)"),
        RecordTypeSpec("pin_unlock.request", "helpdesk_pin_unlock.records:validate_request",
                       "A token sent back to the issuer for unlocking (Mẫu 06)"),
    ),
    forms={"pin_unlock.receipt": "helpdesk_pin_unlock.records:build_receipt"},
    commands={"unlock-requests": "helpdesk_pin_unlock.cli:unlock_requests"},
    locale=Path(__file__).parent / "locale",
    owner="pin_unlock",
)
spec.install(globals())
