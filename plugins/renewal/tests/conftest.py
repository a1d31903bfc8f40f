"""Fixtures for the renewal tests live in renewal_kit (a unique module name: plugin test
folders share sys.path, so two modules named conftest would shadow each other)."""

from renewal_kit import *  # noqa: F403
