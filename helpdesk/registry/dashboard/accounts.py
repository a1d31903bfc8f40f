"""Staff accounts and sessions.

Passwords are scrypt hashes (:class:`helpdesk.operators.passwords.PasswordHash`); a
session is a random cookie value whose SHA-256 is stored with an absolute expiry
(:data:`SESSION_HOURS`) and slides with use up to it; the log-out and every form carry
a CSRF token derived from the session (and the log-in form a double-submit cookie).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update

from helpdesk.errors import HelpdeskError
from helpdesk.operators.passwords import PasswordHash, burn_time
from helpdesk.registry.dashboard.schema import sessions, staff
from helpdesk.secret import Secret

SESSION_HOURS = 8
IDLE_MINUTES = 30
MIN_PASSWORD = 8


class StaffError(HelpdeskError):
    title = "Dashboard"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_staff(engine: Engine, name: str, password: Secret, display_name: str = "") -> None:
    """Create (or reset the password of) a staff account."""
    name = name.strip().lower()
    if not name or len(name) > 100 or not name.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise StaffError("Bad account name {name!r}: letters, digits, . - _", name=name)
    if len(password) < MIN_PASSWORD:
        raise StaffError("A password needs at least {n} characters", n=MIN_PASSWORD)
    hashed = PasswordHash.make(password).encode()
    with engine.begin() as conn:
        found = conn.execute(select(staff.c.name).where(staff.c.name == name)).first()
        if found is None:
            conn.execute(insert(staff).values(name=name, display_name=display_name.strip() or name, password=hashed,
                                              created_at=_iso(_now()), disabled_at=None))
        else:
            conn.execute(update(staff).where(staff.c.name == name).values(
                password=hashed, disabled_at=None, **({"display_name": display_name.strip()} if display_name else {})))
            conn.execute(delete(sessions).where(sessions.c.name == name))


def disable_staff(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        done = conn.execute(update(staff).where(staff.c.name == name.strip().lower()).values(disabled_at=_iso(_now())))
        if not done.rowcount:
            raise StaffError("No staff account {name}", name=name)
        conn.execute(delete(sessions).where(sessions.c.name == name.strip().lower()))


def list_staff(engine: Engine) -> list[dict[str, str | None]]:
    with engine.connect() as conn:
        return [{"name": r.name, "display_name": r.display_name, "created_at": r.created_at,
                 "disabled_at": r.disabled_at} for r in conn.execute(select(staff).order_by(staff.c.name))]


def authenticate(engine: Engine, name: str, password: Secret) -> str | None:
    """The account's display name when ``password`` is right and the account enabled; else None
    (an unknown name costs the same time as a wrong password)."""
    with engine.connect() as conn:
        row = conn.execute(select(staff).where(staff.c.name == name.strip().lower())).first()
    if row is None or row.disabled_at is not None:
        burn_time(password)
        return None
    try:
        good = PasswordHash.decode(row.password).matches(password)
    except ValueError:
        return None
    return str(row.display_name) if good else None


def open_session(engine: Engine, name: str) -> str:
    """A new session for ``name``; returns the cookie value (kept only as its hash)."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at < _iso(now)))
        conn.execute(insert(sessions).values(token_hash=_hash(token), name=name.strip().lower(), created_at=_iso(now),
                                             expires_at=_iso(now + timedelta(minutes=IDLE_MINUTES))))
    return token


def session_user(engine: Engine, token: str | None) -> str | None:
    """The account a live session belongs to (its idle expiry slides, up to the absolute one)."""
    if not token:
        return None
    now = _now()
    with engine.begin() as conn:
        row = conn.execute(select(sessions, staff.c.display_name, staff.c.disabled_at)
                           .join(staff, staff.c.name == sessions.c.name)
                           .where(sessions.c.token_hash == _hash(token))).first()
        if row is None:
            return None
        created = datetime.fromisoformat(row.created_at.replace("Z", "+00:00"))
        hard = created + timedelta(hours=SESSION_HOURS)
        if row.expires_at < _iso(now) or now >= hard or row.disabled_at is not None:
            conn.execute(delete(sessions).where(sessions.c.token_hash == row.token_hash))
            return None
        slide = min(now + timedelta(minutes=IDLE_MINUTES), hard)
        conn.execute(update(sessions).where(sessions.c.token_hash == row.token_hash).values(expires_at=_iso(slide)))
        return str(row.display_name)


def close_session(engine: Engine, token: str | None) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == _hash(token)))


def csrf_for(token: str) -> str:
    """The CSRF token of a session's forms (derived, so nothing more is stored)."""
    return hmac.new(token.encode(), b"helpdesk-dashboard-csrf", hashlib.sha256).hexdigest()


def csrf_ok(token: str | None, given: str | None) -> bool:
    return bool(token and given) and hmac.compare_digest(csrf_for(token or ""), given or "")
