"""The renewal workflow screen (Textual Pilot) and the report section."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import helpdesk_renewal.plugin
from helpdesk_renewal import requests
from helpdesk_renewal.screen import RenewalScreen
from renewal_kit import form
from renewal_records import hand_over
from textual.widgets import DataTable

from helpdesk.extension import Period, ReportSection, WorkflowContext
from helpdesk.testing.ca import TestCA, person_subject
from helpdesk.testing.fixtures_store import make_units
from helpdesk.testing.host import ScreenHost
from helpdesk.testing.softhsm import SoftHSMStore


async def test_screen_lists_due_certificates_and_requests(desk: WorkflowContext) -> None:
    soon = (date.today() + timedelta(days=12)).isoformat() + "T00:00:00Z"
    hand_over(desk, 1, name="Nguyễn Thị Ánh Tuyết", national_id="092186001234", unit="UBND phường Tân An",
              token="TK-1", cert_serial="A1", not_after=soon)
    requests.add(desk, [requests.build(desk, "renew", "person", form(cert_serial="A1"), "expiring")])
    app = ScreenHost(lambda: RenewalScreen(desk))
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RenewalScreen)
        due_table = screen.query_one("#due", DataTable)
        assert due_table.row_count == 1 and due_table.get_row_at(0)[1] == "Nguyễn Thị Ánh Tuyết"
        assert due_table.get_row_at(0)[4] == "12"
        req_table = screen.query_one("#requests", DataTable)
        assert req_table.row_count == 1 and req_table.get_row_at(0)[1] == "gia hạn"
        assert req_table.get_row_at(0)[4] == "nháp"
        assert "1" in screen.status_text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RenewalScreen)


def test_hook_register_reports_counts_requests_per_type_and_outcome(ctx: WorkflowContext) -> None:
    sections: list[ReportSection] = []
    helpdesk_renewal.plugin.helpdesk_register_reports(register=sections.append)  # type: ignore[attr-defined]
    [section] = sections
    rows = requests.add(ctx, [
        requests.build(ctx, "renew", "person", form("A Ánh", "092186000001", cert_serial="01"), "expiring"),
        requests.build(ctx, "renew", "person", form("B Bình", "092186000002", cert_serial="02"), "expiring"),
        requests.build(ctx, "revoke", "person", form("C Cường", "092186000003", cert_serial="03"), "lost"),
    ])
    requests.set_status(ctx, rows[0]["id"], "submitted")
    requests.set_status(ctx, rows[0]["id"], "rejected")
    found = {r.metric: r.value for r in section.compute(ctx, Period(date.today().year), None)}
    assert found["renewal.renew"] == 2 and found["renewal.renew.rejected"] == 1 and found["renewal.renew.draft"] == 1
    assert found["renewal.revoke"] == 1 and found["renewal.new"] == 0
    assert {r.metric: r.value for r in section.compute(ctx, Period(2001), None)}["renewal.renew"] == 0
    assert {r.metric: r.value for r in section.compute(ctx, Period(date.today().year), "Sở khác")}["renewal.renew"] == 0


async def test_f7_files_revocation_and_reissue_for_the_token_in_the_reader_once(
        desk: WorkflowContext, softhsm: SoftHSMStore, test_ca: TestCA) -> None:
    token = softhsm.create_token()
    cert = softhsm.add_identity(token, test_ca, subject=person_subject(name="Phạm Quốc Việt"))
    desk.store.units.add_many(make_units(), "op-binh")
    desk.store.add_subscribers([{"id": "sb-1", "full_name": "Phạm Quốc Việt", "position": "Kế toán trưởng",
                                 "unit_id": "p-tanan", "national_id": "092186004321",
                                 "email": "vietpq@cantho.gov.vn", "token_serial": token.serial}], "op-binh")
    info = desk.worker.identify(token.serial).result(timeout=30)
    ctx = dataclasses.replace(desk, token=info)
    app = ScreenHost(lambda: RenewalScreen(ctx))
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.screen.workers.wait_for_complete()
        await pilot.press("f7")
        await pilot.pause()
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RenewalScreen)
        ids = {r["type"]: r["id"] for r in requests.table(ctx).all()}
        assert screen.status_text == (f"Đã lập đề nghị {ids['revoke']} (thu hồi) và {ids['reissue']} (cấp đổi) "
                                      "cho Phạm Quốc Việt")
        rows = requests.table(ctx).all()
        assert sorted(r["type"] for r in rows) == ["reissue", "revoke"]
        assert {r["cert_serial"] for r in rows} == {format(cert.serial_number, "X")}
        assert {r["unit"] for r in rows} == {"UBND phường Tân An"}
        await pilot.press("f7")
        await pilot.pause()
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        assert "Đề nghị trùng" in screen.status_text
        assert len(requests.table(ctx)) == 2
