"""What a request is: its types, reasons, certificate kinds, statuses and the form's data.

A request row lives in the plugin table ``renewal.requests`` (each write audited and
synced). :func:`validate_row` is the table's validator, so no code path stores a row
the forms could not print.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from helpdesk.extension import HelpdeskError, _

TABLE = "renewal.requests"
DELIVERIES = "renewal.deliveries"
LIST_RECORD = "renewal.list"
NUMBER_SERIES = "CV"  # công văn: "12/CV-SNV"

#: type -> (Vietnamese, English)
TYPES: dict[str, tuple[str, str]] = {
    "new": ("cấp mới", "new"),
    "renew": ("gia hạn", "renewal"),
    "reissue": ("cấp đổi", "re-issue"),
    "revoke": ("thu hồi", "revocation"),
}
REASONS: dict[str, tuple[str, str]] = {
    "": ("", ""),
    "expiring": ("sắp hết hạn", "expiring"),
    "lost": ("mất thiết bị", "lost"),
    "compromised": ("lộ khóa bí mật", "compromised"),
    "left_post": ("nghỉ việc, thôi giữ chức vụ", "left the post"),
    "changed_unit": ("thay đổi cơ quan công tác", "changed unit"),
    "changed_position": ("thay đổi chức vụ", "changed position"),
    "locked": ("thiết bị bị khóa", "token locked"),
}
KINDS: dict[str, tuple[str, str]] = {
    "person": ("cá nhân", "person"),
    "organisation": ("tổ chức", "organisation"),
    "device": ("thiết bị, dịch vụ, phần mềm", "device"),
}
STATUSES: dict[str, tuple[str, str]] = {
    "draft": ("nháp", "draft"),
    "submitted": ("đã gửi", "submitted"),
    "issued": ("đã cấp", "issued"),
    "rejected": ("bị từ chối", "rejected"),
    "installed": ("đã cài vào thiết bị", "installed"),
    "handed_over": ("đã bàn giao", "handed over"),
    "cancelled": ("đã hủy", "cancelled"),
}
#: status -> statuses it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("submitted", "cancelled"),
    "submitted": ("issued", "rejected", "cancelled"),
    "issued": ("installed", "handed_over"),
    "installed": ("handed_over",),
    "rejected": (),
    "handed_over": (),
    "cancelled": (),
}
#: a revocation is done once the authority confirms it
CLOSED = ("rejected", "handed_over", "cancelled")
REASONS_FOR_TYPE = {
    "new": ("",),
    "renew": ("", "expiring"),
    "reissue": ("lost", "compromised", "changed_unit", "changed_position", "locked"),
    "revoke": ("lost", "compromised", "left_post", "changed_unit", "changed_position", "locked"),
}

_NATIONAL = re.compile(r"^[0-9]{12}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+\.)+gov\.vn$")
_HEX = re.compile(r"^[0-9A-F]*$")
_TAX_CODE = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")  # a unit's own code, or a dependent unit's 10+3
_BUDGET_CODE = re.compile(r"^[0-9]{7}$")


class RenewalError(HelpdeskError):
    title = "Certificates"


class DuplicateRequest(RenewalError):
    title = "Duplicate request"


def is_open(row: Mapping[str, Any]) -> bool:
    """Still in progress: not closed, and a revocation not yet confirmed."""
    status = row.get("status")
    if status in CLOSED:
        return False
    return not (row.get("type") == "revoke" and status == "issued")


def label(table: Mapping[str, tuple[str, str]], key: str, language: str = "vi") -> str:
    vi, en = table.get(key, (key, key))
    return en if language == "en" else vi


def status_label(type_: str, status: str, language: str = "vi") -> str:
    """A status in words; a revocation the authority confirmed reads "revoked"."""
    if type_ == "revoke" and status == "issued":
        return "revoked" if language == "en" else "đã thu hồi"
    return label(STATUSES, status, language)


def clean_serial(value: object) -> str:
    """A certificate serial as upper-case hex without separators ("" if none)."""
    text = str(value or "").strip().replace(":", "").replace(" ", "").upper()
    return text.lstrip("0") or ("0" if text else "")


def N_(message: str) -> str:  # gettext's name: marks a msgid translated later
    return message


@dataclass(frozen=True)
class Issue:
    """One problem with a value: an English msgid with {params}, shown translated."""

    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message.format(**self.params)

    def localized(self) -> str:
        return _(self.message).format(**self.params)


#: kind -> form field -> the msgid saying it is missing
_REQUIRED: dict[str, dict[str, str]] = {
    "person": {"name": N_("the name is required"), "unit": N_("the unit is required"),
               "position": N_("the position is required")},
    "organisation": {"name": N_("the organisation's name is required"),
                     "address": N_("the organisation's address is required"),
                     "province": N_("the province is required")},
    "device": {"name": N_("the name of the device, service or software is required"),
               "unit": N_("the managing agency or organisation is required")},
}


def _blank(data: Mapping[str, Any], key: str) -> bool:
    return not str(data.get(key) or "").strip()


def form_problems(data: Mapping[str, Any], kind: str | None = None) -> list[Issue]:
    """Problems with the form's data for a certificate of ``kind`` (default: ``data["kind"]``,
    else a person): a person's name, position, unit and citizen ID; an organisation's name,
    address, province and tax or budget relation code; a device's name and managing agency;
    and the official e-mail for every kind."""
    kind = kind or str(data.get("kind") or "person")
    problems = [Issue(message) for key, message in _REQUIRED.get(kind, _REQUIRED["person"]).items()
                if _blank(data, key)]
    if kind == "organisation":
        problems += _organisation_codes(data)
    elif kind != "device":
        national = str(data.get("national_id") or "")
        if not _NATIONAL.match(national):
            problems.append(Issue(N_("citizen ID '{value}' must be 12 digits"), {"value": national}))
    email = str(data.get("email") or "")
    if not _EMAIL.match(email):
        problems.append(Issue(N_("e-mail '{value}' must be an official address ending in .gov.vn"), {"value": email}))
    return problems


def _organisation_codes(data: Mapping[str, Any]) -> list[Issue]:
    """Tax code (mã số thuế) and budget relation code (mã quan hệ ngân sách): each checked
    when given, and at least one of them, since Mẫu 02 identifies the organisation by them."""
    tax, budget = str(data.get("tax_code") or ""), str(data.get("budget_code") or "")
    problems = []
    if tax and not _TAX_CODE.match(tax):
        problems.append(Issue(N_("tax code '{value}' must be 10 digits, or 10 digits, '-' and 3 digits "
                                 "(0123456789 or 0123456789-001)"), {"value": tax}))
    if budget and not _BUDGET_CODE.match(budget):
        problems.append(Issue(N_("budget relation code '{value}' must be 7 digits"), {"value": budget}))
    if not tax and not budget:
        problems.append(Issue(N_("an organisation needs its tax code or its budget relation code")))
    return problems


def localized(issues: Sequence[Issue]) -> str:
    return "; ".join(issue.localized() for issue in issues)


def validate_row(row: Mapping[str, Any]) -> list[str]:
    """The table's validator: a request row as stored (English problems)."""
    problems = [str(issue) for issue in form_problems(row, form_kind(row))]
    kind_ = row.get("type")
    if kind_ not in TYPES:
        problems.append(f"type {kind_!r} is not one of {', '.join(TYPES)}")
    elif row.get("reason", "") not in REASONS_FOR_TYPE[str(kind_)]:
        problems.append(f"reason {row.get('reason')!r} does not fit a {kind_} request")
    if row.get("kind") not in KINDS:
        problems.append(f"certificate kind {row.get('kind')!r} is not one of {', '.join(KINDS)}")
    if row.get("status") not in STATUSES:
        problems.append(f"status {row.get('status')!r} is unknown")
    for key in ("cert_serial", "new_cert_serial"):
        if not _HEX.match(str(row.get(key) or "")):
            problems.append(f"{key} must be upper-case hex")
    if kind_ in ("renew", "revoke") and not row.get("cert_serial") and not row.get("token_serial"):
        problems.append("a renewal or revocation names the certificate serial or the token serial")
    if not isinstance(row.get("history"), list) or not row["history"]:
        problems.append("history is required")
    return problems


def form_kind(row: Mapping[str, Any]) -> str:
    """The kind whose form a stored row is checked against: rows of organisations and
    devices written before their own forms existed (no ``address`` key) carry a person's
    form, and must still move on through their statuses."""
    kind = str(row.get("kind") or "person")
    return kind if kind == "person" or "address" in row else "person"


def _folded(value: object) -> str:
    return " ".join(str(value or "").casefold().split())


def holder_key(row: Mapping[str, Any]) -> tuple[str, str]:
    """Who a request is for: a person's citizen ID, an organisation's tax (else budget
    relation) code, a device's name within its managing agency."""
    kind = form_kind(row)
    if kind == "organisation":
        return ("tax", str(row.get("tax_code"))) if row.get("tax_code") else ("budget", str(row.get("budget_code")))
    if kind == "device":
        return "device", f"{_folded(row.get('name'))}|{_folded(row.get('unit'))}"
    return "id", str(row.get("national_id"))


def _duplicate_keys(row: Mapping[str, Any]) -> list[tuple[str, ...]]:
    base = (str(row.get("type")), str(row.get("kind")))
    keys: list[tuple[str, ...]] = [(*base, *holder_key(row))]
    if row.get("cert_serial"):
        keys.append((*base, "cert", str(row["cert_serial"])))
    return keys


class OpenRequests:
    """The open requests by person and by certificate, to refuse duplicates in O(1)."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self._by: dict[tuple[str, ...], Mapping[str, Any]] = {}
        for row in rows:
            self.add(row)

    def add(self, row: Mapping[str, Any]) -> None:
        if is_open(row):
            for key in _duplicate_keys(row):
                self._by.setdefault(key, row)

    def duplicate_of(self, candidate: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """An open request of the same type and kind for the same person (or certificate)."""
        for key in _duplicate_keys(candidate):
            found = self._by.get(key)
            if found is not None and found.get("id") != candidate.get("id"):
                return found
        return None

