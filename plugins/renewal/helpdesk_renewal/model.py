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


_REQUIRED = {"name": N_("the name is required"), "unit": N_("the unit is required"),
             "position": N_("the position is required")}


def form_problems(data: Mapping[str, Any]) -> list[Issue]:
    """Problems with the form's data: name, position, unit, citizen ID, e-mail."""
    problems = [Issue(message) for key, message in _REQUIRED.items() if not str(data.get(key) or "").strip()]
    national = str(data.get("national_id") or "")
    if not _NATIONAL.match(national):
        problems.append(Issue(N_("citizen ID '{value}' must be 12 digits"), {"value": national}))
    email = str(data.get("email") or "")
    if not _EMAIL.match(email):
        problems.append(Issue(N_("e-mail '{value}' must be an official address ending in .gov.vn"), {"value": email}))
    return problems


def localized(issues: Sequence[Issue]) -> str:
    return "; ".join(issue.localized() for issue in issues)


def validate_row(row: Mapping[str, Any]) -> list[str]:
    """The table's validator: a request row as stored (English problems)."""
    problems = [str(issue) for issue in form_problems(row)]
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


def _duplicate_keys(row: Mapping[str, Any]) -> list[tuple[str, ...]]:
    base = (str(row.get("type")), str(row.get("kind")))
    keys: list[tuple[str, ...]] = [(*base, "id", str(row.get("national_id")))]
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

