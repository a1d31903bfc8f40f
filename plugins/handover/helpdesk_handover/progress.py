"""Progress and cancellation of long work (roster import, exports), for the screen and the CLI.

The work calls the :class:`Progress` it was given with (rows done, rows in all) between
steps; a set ``cancel`` event makes that call raise :class:`Cancelled`, so the work stops
at a step boundary — before anything is written (an import writes in one transaction at
the end; an export writes a temporary file and renames it last).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from helpdesk.extension import HelpdeskError


class Cancelled(HelpdeskError):
    title = "Cancelled"
    exit_code = 130  # as a shell reports Ctrl-C


@dataclass
class Progress:
    report: Callable[[int, int], None] | None = None  # (done, total)
    cancel: threading.Event = field(default_factory=threading.Event)
    message: str = "Cancelled: nothing was written"

    def __call__(self, done: int, total: int) -> None:
        if self.cancel.is_set():
            raise Cancelled(self.message)
        if self.report is not None:
            self.report(done, total)

    def check(self) -> None:
        if self.cancel.is_set():
            raise Cancelled(self.message)
