"""The handover record: payload, validator, numbering per year (crash-safe, never reused), batches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from handover_kit import OPERATOR, sample_draft
from helpdesk_handover.record import (
    AlreadyHandedOver,
    Giver,
    Override,
    Recipient,
    batch_of,
    build_payload,
    commit_handovers,
)

from helpdesk import hookimpl
from helpdesk.extension import (
    InvalidData,
    Organisation,
    Problem,
    RecordDraft,
    RecordRefused,
    WorkflowContext,
)
from helpdesk.testing.kit import Kiosk, Settings, TokenWorker, open_kiosk, open_store

ORG = Organisation()


def giver(settings: Settings) -> Giver:
    return Giver.from_settings(settings, OPERATOR.id, OPERATOR.name)


def test_record_audit_and_outbox_in_one_commit(ctx: WorkflowContext, settings: Settings) -> None:
    store = ctx.store
    draft = sample_draft(store)
    count, _ = store.audit.head()
    [record] = commit_handovers(ctx, [draft], giver(settings))
    assert record.type == "handover" and record.operator == OPERATOR.id
    p = record.payload
    assert p["number"] == f"1/BB-{ORG.code}" and p["seq"] == 1 and p["year"] == datetime.now().year
    assert p["holder"]["name"] == "Nguyễn Văn Số A" and p["device"]["serial"] == "TK000001"
    assert p["certificate"]["serial"] == "1001" and p["giver"]["name"] == OPERATOR.name
    assert record.subject.token_serial == "TK000001" and record.subject.cert_serial == "1001"
    entries = store.audit.entries()
    assert len(entries) == count + 1 and entries[-1].ref == record.id and entries[-1].action.endswith("handover")
    assert [e.record.id for e in store.outbox.pending()] == [record.id]
    assert store.history(token_serial="TK000001") == [record]


def test_numbers_count_per_year_and_are_never_reused(ctx: WorkflowContext, settings: Settings) -> None:
    store = ctx.store
    numbers = [commit_handovers(ctx, [sample_draft(store, n)], giver(settings))[0].payload["seq"]
               for n in (1, 2, 3)]
    assert numbers == [1, 2, 3]
    third = store.history(token_serial="TK000003")[0]
    store.void(third.id, "Nhầm người nhận", OPERATOR.id)
    # the voided number stays taken; the token may be handed over again, with a new number
    again = commit_handovers(ctx, [sample_draft(store, 3)], giver(settings))[0]
    assert again.payload["number"] == "4/BB-SNV"
    next_year = datetime(datetime.now().year + 1, 1, 2, 9, 0).astimezone()
    assert commit_handovers(ctx, [sample_draft(store, 4)], giver(settings),
                            now=next_year)[0].payload["seq"] == 1


def test_numbering_survives_a_restart(kiosk: Kiosk, settings: Settings, token_worker: TokenWorker) -> None:
    ctx = kiosk.context(OPERATOR, None)
    for n in (1, 2):
        commit_handovers(ctx, [sample_draft(ctx.store, n)], giver(settings))
    kiosk.store.close()
    reopened = open_kiosk(settings, worker=token_worker)
    try:
        again = reopened.context(OPERATOR, None)
        rec = commit_handovers(again, [sample_draft(again.store, 3)], giver(settings))[0]
        assert rec.payload["seq"] == 3
    finally:
        reopened.close()


def test_numbers_given_before_the_shared_counter_are_never_given_again(ctx: WorkflowContext,
                                                                    settings: Settings) -> None:
    store = ctx.store
    day = datetime.now().astimezone().date()
    for n in (1, 2, 3):  # saved by an earlier version, numbered without the store's counter
        d = sample_draft(store, n)
        payload = build_payload(d, giver(settings), number=f"{n}/BB-SNV", year=day.year, seq=n, day=day)
        store.commit_many([("handover", {"token_serial": d.token.serial}, payload, "old-kiosk")])
    assert commit_handovers(ctx, [sample_draft(store, 4)], giver(settings))[0].payload["number"] == "4/BB-SNV"
    assert commit_handovers(ctx, [sample_draft(store, 5)], giver(settings))[0].payload["number"] == "5/BB-SNV"


class RefusesTokenOne:
    """Another plugin's validate hook: token TK000001 is reported lost."""

    @hookimpl
    def helpdesk_validate_record(self, record: RecordDraft) -> list[Problem]:
        if record.type == "handover" and record.payload["device"]["serial"] == "TK000001":
            return [Problem("Token {serial} is reported lost", field="device.serial", params={"serial": "TK000001"})]
        return []


def test_another_plugins_validate_hook_refuses_and_no_number_is_used(
        ctx: WorkflowContext, settings: Settings, register_plugin: Callable[..., str]) -> None:
    register_plugin(RefusesTokenOne(), "refuses_token_one")
    store = ctx.store
    draft = sample_draft(store, 1)
    before = store.audit.head()
    with pytest.raises(RecordRefused, match="Token TK000001 is reported lost"):
        commit_handovers(ctx, [draft], giver(settings))
    assert store.audit.head() == before and store.records(type="handover") == []
    assert commit_handovers(ctx, [sample_draft(store, 2)], giver(settings))[0].payload["number"] == "1/BB-SNV"


def test_a_refused_commit_records_nothing_and_takes_no_number(ctx: WorkflowContext, settings: Settings) -> None:
    store = ctx.store
    blocked = sample_draft(store, 1, failed_checks=("certificate_name",))  # failed check, no override
    before = store.audit.head()
    with pytest.raises(InvalidData, match="override"):
        commit_handovers(ctx, [blocked], giver(settings))
    proxy = sample_draft(store, 1, recipient=Recipient("proxy", "Lê Văn Nhận", "12345", authorisation=""))
    with pytest.raises(InvalidData) as info:
        commit_handovers(ctx, [proxy], giver(settings))
    assert "recipient.authorisation is required" in info.value.problems
    assert any("recipient.national_id" in p for p in info.value.problems)
    assert store.audit.head() == before
    ok = sample_draft(store, 1, failed_checks=("certificate_name",),
                      override=Override("admin-hoa", "Chứng thư cấp theo tên cũ trước khi đổi tên"))
    assert commit_handovers(ctx, [ok], giver(settings))[0].payload["seq"] == 1


def test_already_handed_over_is_refused_inside_the_lock(ctx: WorkflowContext, settings: Settings) -> None:
    store = ctx.store
    first = commit_handovers(ctx, [sample_draft(store, 1)], giver(settings))[0]
    drafts = [sample_draft(store, 2), sample_draft(store, 1)]
    before = store.audit.head()
    with pytest.raises(AlreadyHandedOver) as info:
        commit_handovers(ctx, drafts, giver(settings))
    assert "đã được bàn giao" in info.value.localized() and "1/BB-SNV" in info.value.localized()
    assert store.audit.head() == before  # the batch's other token was not saved either
    assert first.payload["number"] == "1/BB-SNV"


def test_a_batch_is_one_commit_with_one_number(ctx: WorkflowContext, settings: Settings) -> None:
    store = ctx.store
    rep = Recipient("proxy", "Đoàn Văn Đại Diện", "092186099999", "Chánh Văn phòng", "Sở Nội vụ", "",
                    "Giấy giới thiệu số 45/GGT-SNV")
    drafts = [sample_draft(store, n, recipient=rep, identity="checked") for n in (1, 2, 3)]
    records = commit_handovers(ctx, drafts, giver(settings))
    assert {r.payload["number"] for r in records} == {"1/BB-SNV"}
    assert [r.payload["batch"]["index"] for r in records] == [1, 2, 3]
    assert len({r.payload["batch"]["id"] for r in records}) == 1
    assert batch_of(store, records[1]) == records
    assert commit_handovers(ctx, [sample_draft(store, 4)], giver(settings))[0].payload["seq"] == 2


CHILD = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {tests!r})
    from helpdesk.extension import OperatorRef, WorkflowContext
    from helpdesk.testing.kit import FormRegistry, load_settings, open_store
    import helpdesk_handover.plugin as plugin
    from helpdesk_handover.record import Giver, commit_handovers
    from handover_kit import sample_draft
    settings = load_settings()
    store = open_store(settings.data_dir, settings.kiosk_id)
    plugin.helpdesk_register_record_types(store.register_record_type)
    ctx = WorkflowContext(token=None, settings=settings, store=store, worker=None,
                          operator=OperatorRef("op", "Op", "operator"), form_registry=FormRegistry())
    n = int(sys.argv[1])
    rec = commit_handovers(ctx, [sample_draft(store, n)], Giver("op", "Op", "CV", "SNV"))
    print(json.dumps(rec[0].payload["seq"]))
""")


@pytest.mark.parametrize(("crash_at", "survives"), [("journal-written", False), ("replaced", True)])
def test_a_crash_mid_commit_never_reuses_a_number(tmp_path: Path, settings: Settings, crash_at: str,
                                                  survives: bool) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(tests=str(Path(__file__).parent)))
    env = {**os.environ, "HELPDESK_STORE_TEST_CRASH_AT": ""}

    def run(n: int, crash: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(script), str(n)], capture_output=True, text=True, timeout=60,
                              env={**env, "HELPDESK_STORE_TEST_CRASH_AT": crash})

    assert json.loads(run(1).stdout) == 1
    # The child first adds roster row 2 (one commit), then hands its token over: crash in the 2nd.
    crashed = run(2, f"{crash_at}:2")
    assert crashed.returncode == -9, crashed.stderr
    after = run(3)
    assert json.loads(after.stdout) == (3 if survives else 2), after.stderr
    store = open_store(settings.data_dir, settings.kiosk_id, read_only=True)
    with store:
        seqs = sorted(r.payload["seq"] for r in store.records(type="handover"))
    assert seqs == ([1, 2, 3] if survives else [1, 2])
