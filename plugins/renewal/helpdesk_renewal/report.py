"""The renewal section of the quarterly and yearly reports: requests per type and outcome.

A request counts in the period it was filed; its outcome is its status now (a request
filed in March and issued in April counts as issued in the first quarter's report).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from helpdesk.extension import ReportRow
from helpdesk_renewal import requests
from helpdesk_renewal.model import STATUSES, TYPES

if TYPE_CHECKING:
    from helpdesk.extension import Period, WorkflowContext

OUTCOMES = ("draft", "submitted", "issued", "rejected", "installed", "handed_over")
DONE = ("issued", "installed", "handed_over")  # a certificate the authority has issued
#: The plan's metrics (helpdesk/reports/data/*.toml): certificates issued, by type and kind.
PLAN_METRICS = {("new", "organisation"): ("cert.new.organisation", "Cấp mới chứng thư số — tổ chức",
                                          "New certificates — organisations"),
                ("new", "person"): ("cert.new.person", "Cấp mới chứng thư số — cá nhân", "New certificates — persons"),
                ("renew", "organisation"): ("cert.renew.organisation", "Gia hạn chứng thư số — tổ chức",
                                            "Renewals — organisations"),
                ("renew", "person"): ("cert.renew.person", "Gia hạn chứng thư số — cá nhân", "Renewals — persons")}


def compute(ctx: WorkflowContext, period: Period, unit: str | None) -> list[ReportRow]:
    start, end = period.start.isoformat(), period.end.isoformat()
    counts: Counter[tuple[str, str]] = Counter()
    issued: Counter[tuple[str, str]] = Counter()
    for row in requests.table(ctx).all():
        if not start <= str(row.get("created", ""))[:10] < end:
            continue
        if unit and unit not in (row.get("unit_id"), row.get("unit")):
            continue
        counts[(str(row["type"]), str(row["status"]))] += 1
        if row["status"] in DONE:
            issued[(str(row["type"]), str(row.get("kind", "")))] += 1
    out = [ReportRow(metric, vi, en, issued[key], unit=unit or "") for key, (metric, vi, en) in PLAN_METRICS.items()]
    for type_, (type_vi, type_en) in TYPES.items():
        total = sum(n for (t, _s), n in counts.items() if t == type_)
        out.append(ReportRow(f"renewal.{type_}", f"Đề nghị {type_vi} chứng thư số", f"Certificate {type_en} requests",
                             total, unit=unit or ""))
        for status in OUTCOMES:
            if counts[(type_, status)]:
                vi, en = STATUSES[status]
                out.append(ReportRow(f"renewal.{type_}.{status}", f"– {vi}", f"– {en}", counts[(type_, status)],
                                     unit=unit or ""))
    return out
