"""Fixtures live in pdf_sign_kit (a unique module name: plugin test folders share sys.path)."""

from pdf_sign_kit import *  # noqa: F403
