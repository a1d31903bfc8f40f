"""Roster files in: the core's reader (``helpdesk.sheets``, through the door), under the
names the handover plugin has always used. Its docstring lists the hostile files refused."""

from __future__ import annotations

from helpdesk.extension import Sheet, column_letters, read_sheet

__all__ = ["Sheet", "column_letters", "read_sheet"]
