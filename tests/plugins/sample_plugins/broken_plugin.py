"""Test plugin: cannot be imported (its dependency is missing)."""

from typing import Any

import helpdesk_dependency_that_is_not_installed  # noqa: F401

from helpdesk import hookimpl


@hookimpl
def helpdesk_register_workflows(register: Any) -> None:
    raise AssertionError("never imported, never called")
