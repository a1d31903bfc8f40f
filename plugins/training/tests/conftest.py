"""Fixtures for the training tests live in training_kit (a unique module name: plugin
test folders share sys.path, so two modules named conftest would shadow each other)."""

from training_kit import *  # noqa: F403
