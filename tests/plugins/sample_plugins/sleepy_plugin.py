"""Test plugin: its import blocks (up to 30 s; the test sets ``helpdesk_sleepy_release``)."""

import builtins
import threading
from typing import Any

from helpdesk import hookimpl

release: threading.Event = getattr(builtins, "helpdesk_sleepy_release", threading.Event())
release.wait(30)


@hookimpl
def helpdesk_register_workflows(register: Any) -> None:
    raise AssertionError("never registered: its import ran past the budget")
