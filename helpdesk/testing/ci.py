"""A missing component is a skip at a desk, a failure in CI.

Fixtures that need a real component (pcscd, cupsd and its cups-pdf queue, a tmpfs)
call :func:`unavailable` when it cannot start. Locally that skips the test and names
the reason (``pytest -rs`` lists it); under ``CI=true`` it fails the test, so a change
that breaks pcscd's start-up cannot turn CI green by skipping everything that needs it.
``.ci/run`` also refuses a run that reports any skipped test.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

__all__ = ["in_ci", "unavailable"]


def in_ci() -> bool:
    """``CI`` is set to a true value (GitHub Actions, GitLab and ``.ci/run`` set ``CI=true``)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def unavailable(reason: str) -> NoReturn:
    """Skip the test with ``reason`` locally; fail it (no traceback) under ``CI=true``."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the tests' real components must start)", pytrace=False)
    pytest.skip(reason)
