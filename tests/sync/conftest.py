"""Sync tests: real kiosks (record stores, keys) against a real registry server."""

from helpdesk.registry.fixtures import *  # noqa: F403
