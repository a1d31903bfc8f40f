"""Operator accounts: who may use the kiosk, with which role, and how they log in.

Accounts live in ``operators.json`` in the record store's folder, a store table
(``store.tables``, the same API plugins use): each account change lands together
with its audit entry (``operators.add`` …, carrying who made it), or not at all.
Reading needs no lock (the file is only ever replaced whole), so log-in reads it
fresh every time and an account disabled from the command line is refused at once.

Passwords are kept only as scrypt hashes (:mod:`helpdesk.operators.passwords`);
token log-in matches the SHA-256 fingerprint of a certificate registered to the
account (:mod:`helpdesk.operators.token_login`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpdesk.errors import HelpdeskError
from helpdesk.operators.passwords import MIN_LENGTH, PasswordHash, burn_time
from helpdesk.secret import Secret
from helpdesk.workflow.types import ROLES, OperatorRef, Role

if TYPE_CHECKING:
    from helpdesk.store import Store

OPERATORS_FILE = "operators.json"
_TABLE = "operators"
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")
_FINGERPRINT = re.compile(r"^[0-9A-F]{64}$")
ROLE_RANK: dict[str, int] = {role: rank for rank, role in enumerate(ROLES)}


class AccountError(HelpdeskError):
    title = "Operator account"


class LoginFailed(HelpdeskError):
    title = "Log-in failed"


def has_role(role: str, least: str) -> bool:
    """Whether ``role`` may do what needs ``least`` (operator < trainer < admin)."""
    return ROLE_RANK.get(role, -1) >= ROLE_RANK.get(least, len(ROLES))


def normalize_fingerprint(text: str) -> str:
    clean = re.sub(r"[^0-9A-Fa-f]", "", text).upper()
    if not _FINGERPRINT.match(clean):
        raise AccountError("A certificate fingerprint is 64 hex digits (SHA-256); got {text!r}", text=text)
    return clean


def clean_id(text: str) -> str:
    clean = unicodedata.normalize("NFC", text).strip().lower()
    if not _ID.match(clean):
        raise AccountError(
            "An operator name is 1–32 lower-case letters, digits, '.', '_' or '-' (got {text!r})", text=text
        )
    return clean


@dataclass(frozen=True)
class Operator:
    id: str
    full_name: str
    role: Role
    active: bool = True
    cert_fingerprints: tuple[str, ...] = ()
    created_at: str = ""
    has_password: bool = False

    def can(self, least: str) -> bool:
        return has_role(self.role, least)

    def ref(self) -> OperatorRef:
        """What workflows and records see of the operator."""
        return OperatorRef(id=self.id, name=self.full_name, role=self.role)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Operator:
        return cls(
            id=row["id"],
            full_name=row["full_name"],
            role=row["role"],
            active=bool(row.get("active", True)),
            cert_fingerprints=tuple(row.get("cert_fingerprints", ())),
            created_at=row.get("created_at", ""),
            has_password=bool(_password_hash(row)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "full_name": self.full_name,
            "role": self.role,
            "active": self.active,
            "cert_fingerprints": list(self.cert_fingerprints),
            "created_at": self.created_at,
            "has_password": self.has_password,
        }


def _password_hash(row: Mapping[str, Any]) -> str:
    """The scrypt hash (``password`` in files written before the store had tables)."""
    return str(row.get("password_hash") or row.get("password") or "")


class OperatorBook:
    """The accounts in one data folder. Reads need only the folder; changes need the
    open :class:`~helpdesk.store.Store` of that folder (for the transaction and audit)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / OPERATORS_FILE

    # ---- reading -------------------------------------------------------------------
    def _rows(self) -> dict[str, dict[str, Any]]:
        from helpdesk.store.storage import load_tables

        tables = load_tables(self.path) or {}
        return dict(tables.get(_TABLE, {}))

    def all(self) -> list[Operator]:
        return sorted((Operator.from_row(r) for r in self._rows().values()), key=lambda o: o.id)

    def get(self, operator_id: str) -> Operator | None:
        row = self._rows().get(operator_id.strip().lower())
        return Operator.from_row(row) if row else None

    def by_fingerprint(self, fingerprint: str) -> Operator | None:
        """The active account that registered this certificate, if any."""
        fp = fingerprint.upper()
        for row in self._rows().values():
            if row.get("active", True) and fp in row.get("cert_fingerprints", ()):
                return Operator.from_row(row)
        return None

    def authenticate(self, operator_id: str, password: Secret) -> Operator:
        """The operator, if the password matches; else LoginFailed (one message for an
        unknown name and a wrong password, and the same time spent on both)."""
        row = self._rows().get(operator_id.strip().lower())
        encoded = _password_hash(row) if row else None
        if not row or not encoded:
            burn_time(password)
            raise LoginFailed("Wrong operator name or password.")
        if not PasswordHash.decode(encoded).matches(password):
            raise LoginFailed("Wrong operator name or password.")
        operator = Operator.from_row(row)
        if not operator.active:
            raise LoginFailed("The account {id} is disabled.", id=operator.id)
        return operator

    # ---- changing (each change and its audit entry in one commit) --------------------
    def _change(self, store: Store, by: str, action: str, operator_id: str,
                change: Any) -> Operator:
        table = store.tables.open("core.operators", file=OPERATORS_FILE, table=_TABLE)
        with store.locked():
            row = change(self._rows())
            if "password" in row:  # written before tables: the hash moves to password_hash
                row = {k: v for k, v in row.items() if k != "password"} | {"password_hash": row["password"]}
            saved = table.put(row["id"], row, by, action=action)
        return Operator.from_row(saved)

    def add(self, store: Store, operator_id: str, full_name: str, role: str, *, by: str,
            password: Secret | None = None, cert_fingerprints: tuple[str, ...] = ()) -> Operator:
        """Create an account; it needs a password, a registered certificate, or both."""
        oid = clean_id(operator_id)
        name = unicodedata.normalize("NFC", full_name).strip()
        if not name:
            raise AccountError("The operator's full name is required")
        if role not in ROLES:
            raise AccountError("Unknown role {role}; use operator, trainer or admin", role=role)
        fingerprints = tuple(normalize_fingerprint(f) for f in cert_fingerprints)
        if password is None and not fingerprints:
            raise AccountError("An account needs a password or a registered token certificate")
        encoded = ""
        if password is not None:
            check_password_policy(password)
            encoded = PasswordHash.make(password).encode()  # slow part, outside the lock

        def create(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
            if oid in rows:
                raise AccountError("An operator named {id} already exists", id=oid)
            self._fingerprints_free(rows, fingerprints, oid)
            return {"id": oid, "full_name": name, "role": role, "active": True, "password_hash": encoded,
                    "cert_fingerprints": list(fingerprints), "created_at": store.now(), "created_by": by}

        return self._change(store, by, "operators.add", oid, create)

    def _fingerprints_free(self, rows: Mapping[str, Mapping[str, Any]], fingerprints: tuple[str, ...], oid: str) -> None:
        for other in rows.values():
            if other["id"] != oid and set(fingerprints) & set(other.get("cert_fingerprints", ())):
                raise AccountError("That certificate is already registered to {id}", id=other["id"])

    def _update(self, store: Store, operator_id: str, by: str, action: str, **changes: Any) -> Operator:
        oid = operator_id.strip().lower()

        def update(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
            if oid not in rows:
                raise AccountError("No operator named {id}", id=oid)
            if "cert_fingerprints" in changes:
                self._fingerprints_free(rows, tuple(changes["cert_fingerprints"]), oid)
            return {**rows[oid], **changes, "updated_at": store.now(), "updated_by": by}

        return self._change(store, by, action, oid, update)

    def disable(self, store: Store, operator_id: str, *, by: str) -> Operator:
        return self._update(store, operator_id, by, "operators.disable", active=False)

    def enable(self, store: Store, operator_id: str, *, by: str) -> Operator:
        return self._update(store, operator_id, by, "operators.enable", active=True)

    def set_password(self, store: Store, operator_id: str, password: Secret, *, by: str) -> Operator:
        check_password_policy(password)
        return self._update(store, operator_id, by, "operators.password",
                            password_hash=PasswordHash.make(password).encode())

    def register_certificate(self, store: Store, operator_id: str, fingerprint: str, *, by: str) -> Operator:
        fp = normalize_fingerprint(fingerprint)
        current = self.get(operator_id)
        if current is None:
            raise AccountError("No operator named {id}", id=operator_id)
        merged = tuple(dict.fromkeys((*current.cert_fingerprints, fp)))
        return self._update(store, operator_id, by, "operators.register_cert", cert_fingerprints=list(merged))

    # ---- sessions (audit only) -------------------------------------------------------
    def audit_session(self, store: Store, operator_id: str, action: str, detail: str = "") -> None:
        """Audit a log-in, failed log-in, lock or log-out (no record, no outbox entry)."""
        store.audit_event(operator_id, action, ref=detail or None, detail={"action": action, "detail": detail})


def check_password_policy(password: Secret) -> None:
    if len(password) < MIN_LENGTH:
        raise AccountError("A password needs at least {n} characters", n=MIN_LENGTH)
