"""The dashboard's tables: staff accounts and their sessions (declared with the
registry's, in :mod:`helpdesk.registry.schema`; created by migration r003)."""

from __future__ import annotations

from helpdesk.registry.schema import dashboard_sessions as sessions
from helpdesk.registry.schema import dashboard_staff as staff

__all__ = ["sessions", "staff"]
