"""The expiry sweep over handover records, installed requests and delivery lists."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from helpdesk_renewal import requests
from helpdesk_renewal.due import KnownCert, due, sweep
from helpdesk_renewal.model import DELIVERIES
from openpyxl import load_workbook
from renewal_kit import form, run, run_json
from renewal_records import hand_over

from helpdesk.extension import WorkflowContext

TAN_AN, NINH_KIEU = "UBND phường Tân An", "UBND quận Ninh Kiều"


def _in(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat() + "T00:00:00Z"


def _setup(ctx: WorkflowContext) -> None:
    hand_over(ctx, 1, name="Nguyễn Thị Ánh Tuyết", national_id="092186001234", unit=TAN_AN, token="TK-1",
              cert_serial="A1", not_after=_in(10))
    hand_over(ctx, 2, name="Phạm Quốc Việt", national_id="092186004321", unit=TAN_AN, token="TK-2",
              cert_serial="A2", not_after=_in(200))
    hand_over(ctx, 3, name="Lê Văn Đúng", national_id="092186001111", unit=NINH_KIEU, token="TK-3",
              cert_serial="A3", not_after=_in(-5))
    # renewed already: the authority's delivery list has the newer certificate
    hand_over(ctx, 4, name="Trần Thị Hạnh", national_id="092186002222", unit=NINH_KIEU, token="TK-4",
              cert_serial="A4", not_after=_in(15))
    ctx.table(DELIVERIES).put("B4", {"cert_serial": "B4", "not_after": _in(1000), "name": "Trần Thị Hạnh",
                                                  "national_id": "092186002222", "unit": NINH_KIEU}, "op-binh")
    # revoked: no longer due
    hand_over(ctx, 5, name="Võ Minh Khánh", national_id="092186003333", unit=NINH_KIEU, token="TK-5",
              cert_serial="A5", not_after=_in(20))
    row = requests.add(ctx, [requests.build(ctx, "revoke", "person", form("Võ Minh Khánh", "092186003333", NINH_KIEU,
                                                                          cert_serial="A5"), "left_post")])[0]
    for status in ("submitted", "issued"):
        requests.set_status(ctx, row["id"], status)


def test_sweep_finds_expiring_and_expired_by_unit_skipping_renewed_and_revoked(desk: WorkflowContext) -> None:
    _setup(desk)
    found = due(desk, 60)
    assert [(d.cert.cert_serial, d.days_left, d.expired) for d in found] == [("A1", 10, False), ("A3", -5, True)]
    assert [d.cert.unit for d in found] == [TAN_AN, NINH_KIEU]
    assert [d.cert.cert_serial for d in due(desk, 60, TAN_AN)] == ["A1"]
    assert [d.cert.cert_serial for d in due(desk, 365)] == ["A1", "A2", "A3"]
    assert due(desk, 0, TAN_AN) == []


def test_voided_handover_is_not_counted(desk: WorkflowContext) -> None:
    record = hand_over(desk, 1, name="Nguyễn Thị Ánh Tuyết", national_id="092186001234", unit=TAN_AN, token="TK-1",
                       cert_serial="A1", not_after=_in(10))
    desk.store.void(record.id, "nhầm thiết bị", "op-binh")
    assert due(desk, 60) == []


def test_sweep_is_per_holder_latest_certificate() -> None:
    today = date(2026, 12, 6)
    certs = [KnownCert("01", "2026-12-20T00:00:00Z", "A", "092186000001"),
             KnownCert("02", "2029-12-20T00:00:00Z", "A", "092186000001"),
             KnownCert("03", "2026-12-31T00:00:00Z", "B", "", unit="X")]
    assert [(d.cert.cert_serial, d.days_left) for d in sweep(certs, today, 60)] == [("03", 25)]
    assert sweep(certs, today, 60, unit="Y") == []


def test_cli_due_json_and_xlsx(handover_plugin: str, renewal_plugin: str, tmp_path: Path,
                               token_worker: object) -> None:
    from renewal_kit import OPERATOR

    from helpdesk.testing.kit import load_settings, open_kiosk

    kiosk = open_kiosk(load_settings(), worker=token_worker)  # type: ignore[arg-type]
    try:
        _setup(kiosk.context(OPERATOR, None))
    finally:
        kiosk.close()
    answer = run_json("renewal", "due", "--days", "30")
    assert [(d["cert_serial"], d["unit"], d["expired"]) for d in answer["due"]] == [("A1", TAN_AN, False),
                                                                                    ("A3", NINH_KIEU, True)]
    path = tmp_path / "sap-het-han.xlsx"
    done = run("renewal", "due", "--unit", TAN_AN, "--xlsx", str(path))
    assert done.exit_code == 0 and "Nguyễn Thị Ánh Tuyết" in done.stdout and "Lê Văn Đúng" not in done.stdout
    rows = list(load_workbook(io.BytesIO(path.read_bytes()), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("STT", "Đơn vị", "Họ và tên") and rows[1][2] == "Nguyễn Thị Ánh Tuyết" and len(rows) == 2


def test_the_handover_index_reads_only_new_records_and_honours_later_voids(desk: WorkflowContext) -> None:
    from helpdesk_renewal.due import KNOWN, WATERMARK

    first = hand_over(desk, 1, name="Nguyễn Thị Ánh Tuyết", national_id="092186001234", unit=TAN_AN, token="TK-1",
                      cert_serial="A1", not_after=_in(10))
    assert [d.cert.cert_serial for d in due(desk, 60)] == ["A1"]
    index = desk.table(KNOWN)
    assert set(index.keys()) == {first.id, WATERMARK}
    writes = len(desk.store.audit.entries())
    assert [d.cert.cert_serial for d in due(desk, 60)] == ["A1"]
    assert len(desk.store.audit.entries()) == writes  # nothing new: no write
    hand_over(desk, 2, name="Phạm Quốc Việt", national_id="092186004321", unit=TAN_AN, token="TK-2",
              cert_serial="A2", not_after=_in(30))
    desk.store.void(first.id, "nhầm thiết bị", "op-binh")
    assert [d.cert.cert_serial for d in due(desk, 60)] == ["A2"]
    assert len(index) == 3


def test_read_commands_work_while_the_kiosk_holds_the_store(desk: WorkflowContext) -> None:
    hand_over(desk, 1, name="Nguyễn Thị Ánh Tuyết", national_id="092186001234", unit=TAN_AN, token="TK-1",
              cert_serial="A1", not_after=_in(10))
    requests.add(desk, [requests.build(desk, "renew", "person", form(cert_serial="A1"), "expiring")])
    answer = run_json("renewal", "due")
    assert [d["cert_serial"] for d in answer["due"]] == ["A1"]
    assert len(run_json("renewal", "request", "list")["requests"]) == 1
    refused = run("renewal", "request", "add", "--type", "new", "--name", "A", "--position", "B", "--unit", "C",
                  "--national-id", "092186009999", "--email", "a@cantho.gov.vn")
    assert refused.exit_code == 2 and "đang được một tiến trình khác mở" in refused.stderr
    assert [d.cert.cert_serial for d in due(desk, 60)] == ["A1"]  # the kiosk indexes it itself
