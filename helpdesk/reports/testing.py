"""Records that reproduce a plan's actuals, for tests, the dashboard demo and benchmarks.

``plan_records(plan)`` lists, for every target and year, as many ``test.cert`` /
``test.class`` records as the plan's figure (spread over the year's months and over
:data:`UNITS`); ``seed_store`` commits them to a kiosk store with a clock at each
record's time. The sections that count them are in ``tests/reports/plan_plugin.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

from helpdesk.reports.plan import Plan

#: (unit id, name, level) — a department, a district, a commune
UNITS = (
    ("so-tu-phap", "Sở Tư pháp", "sở, ban, ngành"),
    ("q-ninh-kieu", "UBND quận Ninh Kiều", "quận, huyện"),
    ("p-an-binh", "UBND phường An Bình", "xã, phường, thị trấn"),
)


@dataclass(frozen=True)
class Item:
    time: datetime
    type: str
    subject: dict[str, str]
    payload: dict[str, Any]


def plan_records(plan: Plan, units: tuple[tuple[str, str, str], ...] = UNITS) -> list[Item]:
    """One record per unit of every plan figure, in time order."""
    items: list[Item] = []
    n = 0
    for target in plan.targets:
        for year, count in sorted(target.by_year.items()):
            for i in range(count):
                n += 1
                when = datetime(year, 1 + i % 12, 15, 2, tzinfo=UTC)  # one commit per month
                unit = units[n % len(units)][0]
                if target.metric == "training.classes":
                    items.append(Item(when, "test.class", {}, {"code": f"TH-{year}-{i + 1:03d}", "unit_id": unit}))
                    continue
                _, action, kind = target.metric.split(".")
                cert = f"{n:08X}"
                items.append(Item(when, "test.cert", {"subscriber_id": f"sb-{n:06d}", "cert_serial": cert},
                                  {"action": action, "kind": kind, "unit_id": unit,
                                   "not_after": f"{year + 3}-{1 + i % 12:02d}-01T00:00:00Z"}))
    items.sort(key=lambda item: item.time)
    return items


def seed_store(data_dir: Path, kiosk_id: str, items: list[Item], operator: str = "cán bộ 1") -> int:
    """Commit ``items`` (one commit per distinct time, the clock at that time); returns the count."""
    from helpdesk.store import RecordTypeRegistry, open_store

    types = RecordTypeRegistry()
    for name in sorted({i.type for i in items}):
        types.register(name)
    now = [datetime(1990, 1, 1, tzinfo=UTC)]
    with open_store(data_dir, kiosk_id, record_types=types, clock=lambda: now[0]) as store:
        for when, group in groupby(items, key=lambda i: i.time):
            now[0] = when
            store.commit_many([(i.type, i.subject, i.payload, operator) for i in group])
    return len(items)


def registry_rows(items: list[Item], kiosk_id: str, start: int = 0) -> Iterator[dict[str, Any]]:
    """Rows for the registry's ``records`` table as ingest would store them (benchmarks only:
    no signatures, no audit chain)."""
    import hashlib
    import json
    import uuid

    from helpdesk.registry.payload import stored_payload

    for n, item in enumerate(items, start):
        subject = {"subscriber_id": item.subject.get("subscriber_id"), "token_serial": None,
                   "cert_serial": item.subject.get("cert_serial")}
        time = item.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        body = {"id": str(uuid.UUID(int=n + 1)), "kiosk_id": kiosk_id, "operator": "cán bộ 1", "time": time,
                "type": item.type, "subject": subject, "payload": item.payload}
        text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        yield {"id": body["id"], "kiosk_id": kiosk_id, "type": item.type, "time": time,
               "unit": item.payload.get("unit_id"), "operator": "cán bộ 1", "subscriber_id": subject["subscriber_id"],
               "token_serial": None, "cert_serial": subject["cert_serial"],
               "digest": hashlib.sha256(text.encode()).hexdigest(), "audit_seq": n + 1, "batch_id": "bench",
               "received_at": time, "body": text, "payload": stored_payload(item.payload, text)}
