"""A report-section plugin for the report tests (loaded with HELPDESK_PLUGINS): counts
``test.cert`` records by kind and ``test.class`` records, per period and unit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpdesk.extension import (
    Period,
    PluginSpec,
    RecordTypeSpec,
    ReportRow,
    ReportSection,
    WorkflowContext,
)


def _valid(payload: Mapping[str, Any]) -> list[str]:
    return []


def certificates(ctx: WorkflowContext, period: Period, unit: str | None) -> list[ReportRow]:
    counts = {"organisation": 0, "person": 0}
    for record in ctx.store.records("test.cert", since=period.start):
        if record.time[:10] >= period.end.isoformat() or (unit and record.payload.get("unit") != unit):
            continue
        counts[record.payload["kind"]] += 1
    return [ReportRow("cert.new.organisation", "Cấp mới chứng thư số — tổ chức", "New — organisations",
                      counts["organisation"], unit=unit or ""),
            ReportRow("cert.new.person", "Cấp mới chứng thư số — cá nhân", "New — persons", counts["person"],
                      unit=unit or "")]


def broken(ctx: WorkflowContext, period: Period, unit: str | None) -> list[ReportRow]:
    raise RuntimeError("this section has a bug")


spec = PluginSpec(
    record_types=(RecordTypeSpec("test.cert", _valid, "a certificate issued (test)"),),
    reports=(ReportSection("certs", "Cấp mới chứng thư số", "New certificates", certificates, order=10),
             ReportSection("broken", "Phần hỏng", "Broken section", broken, order=20)),
)
spec.install(globals())
