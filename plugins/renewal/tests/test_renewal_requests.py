"""Requests: validated form data, statuses with their history, duplicates refused, audit."""

from __future__ import annotations

import pytest
from helpdesk_renewal import requests
from helpdesk_renewal.model import DuplicateRequest, RenewalError
from renewal_kit import form, run, run_json

from helpdesk.extension import WorkflowContext


def test_add_then_move_through_every_status_each_change_in_the_history(ctx: WorkflowContext) -> None:
    row = requests.add(ctx, [requests.build(ctx, "renew", "person", form(cert_serial="1a:2b"), "expiring")])[0]
    assert row["status"] == "draft" and row["cert_serial"] == "1A2B"
    for status in ("submitted", "issued", "installed", "handed_over"):
        row = requests.set_status(ctx, row["id"], status, note=f"to {status}")
    assert [h["status"] for h in row["history"]] == ["draft", "submitted", "issued", "installed", "handed_over"]
    assert all(h["operator"] == "op-binh" for h in row["history"])
    actions = [e.action for e in ctx.store.audit.entries()]
    assert actions.count("table.renewal.requests.put") == 5


def test_a_skipped_status_is_refused_and_nothing_changes(ctx: WorkflowContext) -> None:
    row = requests.add(ctx, [requests.build(ctx, "new", "person", form())])[0]
    with pytest.raises(RenewalError, match="cannot become"):
        requests.set_status(ctx, row["id"], "installed")
    assert requests.get(ctx, row["id"]) == row


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("national_id", "12345", "số định danh cá nhân '12345' phải gồm 12 chữ số"),
    ("national_id", "09218600123", "phải gồm 12 chữ số"),
    ("email", "tuyet@gmail.com", "phải là địa chỉ công vụ (đuôi .gov.vn)"),
    ("name", " ", "thiếu họ và tên"),
    ("unit", "", "thiếu cơ quan, đơn vị công tác"),
])
def test_bad_form_data_is_refused(ctx: WorkflowContext, field: str, value: str, problem: str) -> None:
    with pytest.raises(RenewalError, match="not valid") as caught:
        requests.build(ctx, "new", "person", form(**{field: value}))
    assert problem in caught.value.localized()


def test_reason_must_fit_the_type(ctx: WorkflowContext) -> None:
    with pytest.raises(RenewalError, match="does not fit"):
        requests.build(ctx, "revoke", "person", form(cert_serial="AB"), "")
    assert requests.build(ctx, "revoke", "person", form(cert_serial="AB"), "left_post")["reason"] == "left_post"


def test_a_duplicate_open_request_is_refused_with_nothing_saved(ctx: WorkflowContext) -> None:
    first = requests.add(ctx, [requests.build(ctx, "new", "person", form())])[0]
    before = len(ctx.store.audit.entries())
    with pytest.raises(DuplicateRequest, match=first["id"]):
        requests.add(ctx, [requests.build(ctx, "new", "person", form(name="Nguyễn Thị Ánh Tuyết"))])
    assert len(requests.table(ctx)) == 1 and len(ctx.store.audit.entries()) == before
    # another type for the same person is fine; so is the same type once the first is closed
    requests.add(ctx, [requests.build(ctx, "revoke", "person", form(cert_serial="AB"), "lost")])
    requests.set_status(ctx, first["id"], "cancelled")
    requests.add(ctx, [requests.build(ctx, "new", "person", form())])


def test_cli_request_add_list_show_set_status(renewal_plugin: str) -> None:
    added = run_json("renewal", "request", "add", "--type", "reissue", "--reason", "lost", "--with-revoke",
                     "--name", "Phạm Quốc Việt", "--position", "Kế toán trưởng", "--unit", "Sở Tài chính",
                     "--national-id", "092186004321", "--email", "vietpq@cantho.gov.vn", "--token", "TK-7",
                     "--cert", "5A0F")
    assert [r["type"] for r in added] == ["revoke", "reissue"]
    listed = run_json("renewal", "request", "list", "--open")["requests"]
    assert {r["id"] for r in listed} == {r["id"] for r in added}
    rid = added[1]["id"]
    moved = run_json("renewal", "request", "set-status", rid, "submitted", "--note", "gửi kèm CV")
    assert moved["status"] == "submitted"
    shown = run("renewal", "request", "show", rid)
    assert shown.exit_code == 0 and "cấp đổi" in shown.stdout and "gửi kèm CV" in shown.stdout
    again = run("renewal", "request", "add", "--type", "reissue", "--reason", "lost", "--name", "Phạm Quốc Việt",
                "--position", "Kế toán trưởng", "--unit", "Sở Tài chính", "--national-id", "092186004321",
                "--email", "vietpq@cantho.gov.vn")
    assert again.exit_code == 2 and rid in again.stderr
    assert len(run_json("renewal", "request", "list")["requests"]) == 2
    bad = run("renewal", "request", "add", "--type", "new", "--name", "A", "--position", "B", "--unit", "C",
              "--national-id", "1234", "--email", "a@cantho.gov.vn")
    assert bad.exit_code == 2 and "Thông tin đề nghị chưa hợp lệ: số định danh cá nhân '1234' phải gồm 12 chữ số" in bad.stderr


def test_cli_request_from_a_roster_entry(renewal_plugin: str) -> None:
    from helpdesk.testing.fixtures_store import make_units
    from helpdesk.testing.kit import load_settings, open_store

    settings = load_settings()
    store = open_store(settings.data_dir, settings.kiosk_id)
    try:
        store.units.add_many(make_units(), "op-binh")
        store.add_subscribers([{"id": "sb-7", "full_name": "Lê Thị Hoa", "position": "Phó Giám đốc",
                                "unit_id": "stc", "national_id": "092186007777", "email": "hoalt@cantho.gov.vn",
                                "token_serial": "TK-77", "cert_serial": "0a:bc"}], "op-binh")
    finally:
        store.close()
    row = run_json("renewal", "request", "add", "--type", "renew", "--subscriber", "sb-7")
    assert (row["name"], row["unit"], row["unit_id"], row["position"]) == ("Lê Thị Hoa", "Sở Tài chính", "stc",
                                                                           "Phó Giám đốc")
    assert (row["token_serial"], row["cert_serial"], row["reason"]) == ("TK-77", "ABC", "expiring")
    missing = run("renewal", "request", "add", "--type", "renew", "--subscriber", "sb-404")
    assert missing.exit_code == 2 and "sb-404" in missing.stderr
