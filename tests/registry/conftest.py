"""Registry tests run against ``helpdesk registry serve`` on 127.0.0.1, on SQLite and PostgreSQL."""

from helpdesk.registry.fixtures import *  # noqa: F403
