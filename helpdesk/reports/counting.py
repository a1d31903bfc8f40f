"""``count_records``: how many records of a type fall in a period, grouped by payload
fields — the figure most report sections need.

On a kiosk it walks ``ctx.store.records`` (the same records a section would loop over);
over the registry's database (:class:`~helpdesk.reports.sources.SqlSource` behind a
:class:`~helpdesk.reports.view.RecordView`) the database counts with one ``GROUP BY``,
so a yearly report over a million records does not decode a million JSON bodies.
Both give the same counts: payload values are compared and grouped as text, a missing
field is ``""``, voided records count (as ``ctx.store.records`` returns them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from helpdesk.store.store import iso_utc

if TYPE_CHECKING:
    from helpdesk.store.records import Record
    from helpdesk.workflow.context import WorkflowContext
    from helpdesk.workflow.types import Period


class CountingStore(Protocol):
    def count_records(self, record_type: str, since: str, until: str, by: tuple[str, ...],
                      where: Mapping[str, str]) -> Counter[tuple[str, ...]]: ...


def text_of(value: Any) -> str:
    """A payload value as the database shows it as text (``->>``, ``json_extract``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def count_records(ctx: WorkflowContext, record_type: str, period: Period, *, by: tuple[str, ...] = (),
                  where: Mapping[str, str] | None = None) -> Counter[tuple[str, ...]]:
    """Records of ``record_type`` in ``period``, counted per the values of the payload
    fields ``by`` (a tuple key, ``()`` when ``by`` is empty), only those whose payload
    fields equal ``where`` (e.g. ``{"unit_id": unit}``)."""
    since, until = iso_utc(period.start), iso_utc(period.end)
    wanted = dict(where or {})
    fast = getattr(ctx.store, "count_records", None)
    if fast is not None:
        found: Counter[tuple[str, ...]] = fast(record_type, since, until, tuple(by), wanted)
        return found
    return walk(ctx.store.records(record_type, since=since), until, tuple(by), wanted)


def walk(records: Iterable[Record], until: str, by: tuple[str, ...],
         where: Mapping[str, str]) -> Counter[tuple[str, ...]]:
    """The counting loop over records already cut at ``since`` (the reference semantics)."""
    counts: Counter[tuple[str, ...]] = Counter()
    for record in records:
        if record.time >= until:
            continue
        payload = record.payload
        if any(text_of(payload.get(k)) != v for k, v in where.items()):
            continue
        counts[tuple(text_of(payload.get(f)) for f in by)] += 1
    return counts
