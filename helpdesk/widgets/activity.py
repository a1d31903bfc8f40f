"""Today's activity: the records committed since local midnight, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from textual.widgets import DataTable

from helpdesk.i18n import _

if TYPE_CHECKING:
    from helpdesk.store import Record


def _subject(record: Record) -> str:
    s = record.subject
    return " · ".join(p for p in (s.subscriber_id, s.token_serial, s.cert_serial) if p) or "-"


class ActivityTable(DataTable[str]):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._records: list[Record] = []

    def on_mount(self) -> None:
        self.relabel()

    def show(self, records: Sequence[Record]) -> None:
        self._records = sorted(records, key=lambda r: r.time, reverse=True)
        self._fill()

    def relabel(self) -> None:
        self.clear(columns=True)
        self.add_columns(_("Time"), _("Work"), _("Subject"), _("Operator"))
        self._fill()

    def _fill(self) -> None:
        self.clear()
        for r in self._records:
            when = datetime.fromisoformat(r.time.replace("Z", "+00:00")).astimezone()
            self.add_row(f"{when:%H:%M}", _(r.type), _subject(r), r.operator, key=r.id)
