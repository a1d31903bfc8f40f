"""A report-section plugin for the Bảng tổng hợp tests (loaded with HELPDESK_PLUGINS):
``test.cert`` records (payload ``action`` new|renew, ``kind`` organisation|person,
``unit_id``) and ``test.class`` records (a class held), counted per period and unit —
the metrics the shipped plan (Kế hoạch 119) targets."""

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
    count_records,
)

LABELS = {
    ("new", "organisation"): ("Cấp mới chứng thư số — tổ chức", "New certificates — organisations"),
    ("new", "person"): ("Cấp mới chứng thư số — cá nhân", "New certificates — persons"),
    ("renew", "organisation"): ("Gia hạn chứng thư số — tổ chức", "Renewals — organisations"),
    ("renew", "person"): ("Gia hạn chứng thư số — cá nhân", "Renewals — persons"),
}


def _valid(payload: Mapping[str, Any]) -> list[str]:
    return []


def _where(unit: str | None) -> dict[str, str]:
    return {"unit_id": unit} if unit else {}


def certificates(ctx: WorkflowContext, period: Period, unit: str | None) -> list[ReportRow]:
    counts = count_records(ctx, "test.cert", period, by=("action", "kind"), where=_where(unit))
    return [ReportRow(f"cert.{action}.{kind}", vi, en, counts[(action, kind)], unit=unit or "")
            for (action, kind), (vi, en) in LABELS.items()]


def classes(ctx: WorkflowContext, period: Period, unit: str | None) -> list[ReportRow]:
    held = sum(count_records(ctx, "test.class", period, where=_where(unit)).values())
    return [ReportRow("training.classes", "Lớp tập huấn đã tổ chức", "Training classes held", held, unit=unit or "")]


spec = PluginSpec(
    record_types=(RecordTypeSpec("test.cert", _valid, "a certificate issued or renewed (test)"),
                  RecordTypeSpec("test.class", _valid, "a training class held (test)")),
    reports=(ReportSection("plan-certs", "Chứng thư số", "Certificates", certificates, order=10),
             ReportSection("plan-classes", "Tập huấn", "Training", classes, order=20)),
)
spec.install(globals())
