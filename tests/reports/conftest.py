"""Report tests over the registry use its real server (SQLite and PostgreSQL)."""

from helpdesk.registry.fixtures import *  # noqa: F403
