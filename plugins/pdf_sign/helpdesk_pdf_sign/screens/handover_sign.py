""""Người nhận ký số biên bản": after a handover, the holder signs the handover record PDF
with the token just received (proof of possession and of knowing the PIN). The signed
PDF is archived beside the paper one (``handover-signed-<record id>.pdf`` in the same
archive folder). Offered to the handover workflow through the record-action hook.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from helpdesk.extension import Record, gettext
from helpdesk_pdf_sign import service
from helpdesk_pdf_sign.screens.sign import SignScreen
from helpdesk_pdf_sign.text import N_

if TYPE_CHECKING:
    from helpdesk.extension import TokenInfo, WorkflowContext

_ = gettext
HANDOVER_FORM = "handover"


class HandoverSignScreen(SignScreen):
    TITLE = N_("The holder signs the handover record digitally")

    def __init__(self, context: WorkflowContext, records: Sequence[Any]) -> None:
        super().__init__(context)
        self.records: list[Record] = [r for r in records if isinstance(r, Record) and r.type == "handover"]
        self.devices = {str(r.payload.get("device", {}).get("serial", "")) for r in self.records}
        if not self.serial and len(self.devices) == 1:
            self.serial = next(iter(self.devices))

    def document_text(self) -> str:
        if not self.records:
            return _("No handover record to sign.")
        return _("Document: handover record {number} (biên bản bàn giao)").format(
            number=self.records[0].payload.get("number", ""))

    def token_refusal(self, token: TokenInfo) -> str:
        if not self.records:
            return _("No handover record to sign.")
        if token.serial not in self.devices:
            return _("This is not the token handed over in record {number}: insert token {serial}.").format(
                number=self.records[0].payload.get("number", ""), serial=", ".join(sorted(self.devices)))
        return ""

    def make_document(self, prepared: service.Prepared, source: Any) -> service.Document:
        pdf = self.ctx.forms.render(HANDOVER_FORM, self.records if len(self.records) > 1 else self.records[0])
        number = str(self.records[0].payload.get("number", ""))
        return service.Document(f"Biên bản bàn giao {number}", pdf, "handover", tuple(r.id for r in self.records))

    def sign_options(self) -> dict[str, Any]:
        mine = next((r for r in self.records if r.payload.get("device", {}).get("serial") == self.serial),
                    self.records[0])
        return {"archive_as": service.handover_archive(self.records), "subscriber_id": mine.subject.subscriber_id}
