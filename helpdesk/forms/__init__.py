"""Printed forms in the Nghị định 30/2020 layout (ReportLab, Liberation Serif embedded).

Typical use in a plugin's form builder::

    doc = FormDocument(settings.organisation, number=document_number(org, "BB", 12),
                       title="Biên bản bàn giao …", date=today)
    doc.paragraph("…").table(columns, rows).signatures([("Bên giao", name), …])
    doc.qr(FormSeal.for_record(record_id, record_json))
    pdf = doc.render()          # blocking: run it in a worker
"""

from typing import TYPE_CHECKING, Any

# ReportLab costs most of a second to import: names load on first use, so wiring the
# kiosk (the form registry) or a command that prints nothing does not pay for it.
_NAMES = {
    "FontFamily": "fonts", "FontMissing": "fonts", "FormError": "fonts", "nfc": "fonts", "register_fonts": "fonts",
    "FormDocument": "layout", "Signer": "layout", "date_line": "layout", "document_number": "layout",
    "FormBuilder": "registry", "FormRegistry": "registry",
    "FormSeal": "seal", "canonical_json": "seal", "content_hash": "seal", "parse_payload": "seal",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name not in _NAMES:
        raise AttributeError(f"module 'helpdesk.forms' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"helpdesk.forms.{_NAMES[name]}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
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
