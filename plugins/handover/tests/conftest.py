"""Fixtures for the handover tests live in handover_kit (a unique module name: plugin
test folders share sys.path, so two modules named conftest would shadow each other)."""

from handover_kit import *  # noqa: F403
