"""The pdf_sign plugin's hooks (the entry point ``pdf_sign`` names this module).

Light on purpose: screens (Textual), pyHanko and ReportLab load only when used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from helpdesk import hookimpl
from helpdesk.extension import PluginSpec, RecordAction, RecordTypeSpec, Workflow
from helpdesk_pdf_sign.record import validate_payload

LOCALE = Path(__file__).parent / "locale"
HANDOVER_ACTION = RecordAction(
    "pdf_sign.handover", "Người nhận ký số biên bản", "Holder signs the record digitally",
    record_types=("handover",), screen="helpdesk_pdf_sign.screens.handover_sign:HandoverSignScreen", key="f7",
)

HELPDESK_API = ">=1.0,<2"  # plugin API versions supported (helpdesk.extension.API_VERSION)

spec = PluginSpec(
    workflows=(Workflow("pdf_sign", "Ký thử", "Test signing", screen="helpdesk_pdf_sign.screens.sign:TestSignScreen",
                        needs_token=True, order=30),),
    # The validator itself, not a "module:attribute" string: the record-type registry is
    # process-wide and accepts the same type again only with the same validator object.
    record_types=(RecordTypeSpec("pdf_sign.test", validate_payload,
                                 "A test signature made with a token (ký thử)"),),
    forms={"pdf_sign.test_document": "helpdesk_pdf_sign.forms:build_test_document",
           "pdf_sign.receipt": "helpdesk_pdf_sign.forms:build_receipt"},
    commands={"sign": "helpdesk_pdf_sign.cli:sign"},
    locale=LOCALE,
    owner="pdf_sign",
)
spec.install(globals())


@hookimpl
def helpdesk_register_record_actions(register: Callable[[RecordAction], None]) -> None:
    register(HANDOVER_ACTION)
