"""Printed forms in the Nghị định 30/2020 layout (ReportLab, Liberation Serif embedded).

Typical use in a plugin's form builder::

    doc = FormDocument(settings.organisation, number=document_number(org, "BB", 12),
                       title="Biên bản bàn giao …", date=today)
    doc.paragraph("…").table(columns, rows).signatures([("Bên giao", name), …])
    doc.qr(FormSeal.for_record(record_id, record_json))
    pdf = doc.render()          # blocking: run it in a worker
"""

from helpdesk.forms.fonts import FontFamily, FontMissing, FormError, nfc, register_fonts
from helpdesk.forms.layout import FormDocument, Signer, date_line, document_number
from helpdesk.forms.registry import FormBuilder, FormRegistry
from helpdesk.forms.seal import FormSeal, canonical_json, content_hash, parse_payload

__all__ = [
    "FontFamily",
    "FontMissing",
    "FormBuilder",
    "FormDocument",
    "FormError",
    "FormRegistry",
    "FormSeal",
    "Signer",
    "canonical_json",
    "content_hash",
    "date_line",
    "document_number",
    "nfc",
    "parse_payload",
    "register_fonts",
]
