"""The renewal plugin's hooks (the entry point ``renewal`` names this module).

Everything is declared as data in a :class:`PluginSpec`; screens, ReportLab and
openpyxl load only when used.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from helpdesk import hookimpl
from helpdesk.extension import (
    PluginSpec,
    Problem,
    RecordTypeSpec,
    ReportSection,
    TokenInfo,
    Workflow,
    lazy,
)

#: Days before expiry from which the home screen says the certificate needs renewing
#: (``[renewal] warn_days`` in helpdesk.toml).
WARN_DAYS = 60

HELPDESK_API = ">=1.0,<2"  # plugin API versions supported (helpdesk.extension.API_VERSION)


def validate_list(payload: Mapping[str, Any]) -> list[str]:
    """The ``renewal.list`` payload's validator: one function object for every store (a
    ``"module:attribute"`` target would give a new wrapper per kiosk, which the process-wide
    record type registry refuses as a second registration)."""
    from helpdesk_renewal.lists import validate_list as validate

    return validate(payload)


spec = PluginSpec(
    locale=Path(__file__).parent / "locale",
    workflows=(Workflow("renewal", "Gia hạn, cấp mới, thu hồi chứng thư số", "Certificate renewal",
                        screen="helpdesk_renewal.screen:RenewalScreen", needs_token=False, order=40),),
    record_types=(RecordTypeSpec("renewal.list", validate_list,
                                 "A list of subscribers sent to the certificate authority (công văn đề nghị)"),),
    forms={"renewal.list": "helpdesk_renewal.lists:build_form"},
    commands={"renewal": "helpdesk_renewal.cli:renewal"},
    reports=(ReportSection("renewal", "Cấp mới, gia hạn, cấp đổi, thu hồi chứng thư số",
                           "Certificates: new, renewed, re-issued, revoked",
                           compute=lazy("helpdesk_renewal.report:compute"), order=40),),
)
spec.install(globals())


@hookimpl
def helpdesk_token_notes(token: TokenInfo) -> list[Problem]:
    """The home screen's card says when the token's certificate is inside the renewal window."""
    from helpdesk.extension import load_settings

    raw = load_settings().extra.get("renewal", {})
    days_window = int(raw.get("warn_days", WARN_DAYS)) if isinstance(raw, dict) else WARN_DAYS
    now = datetime.now(UTC)
    notes = []
    for cert in token.certificates:
        if cert.error or cert.has_private_key is False:  # a CA certificate on the token, not the holder's
            continue
        left = (cert.not_after - now).days
        if left < 0:
            notes.append(Problem("Certificate {serial} has expired: file a renewal (Gia hạn, F-key on the menu)",
                                 severity="error", params={"serial": cert.serial}))
        elif left <= days_window:
            notes.append(Problem("Certificate {serial} expires in {days} days: file a renewal",
                                 severity="warning", params={"serial": cert.serial, "days": left}))
    return notes
