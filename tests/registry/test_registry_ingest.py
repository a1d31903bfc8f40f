"""Ingest through the HTTP API: per-record acks, idempotency, and what is refused (401/409/400)."""

from __future__ import annotations

import copy
import json

import httpx
from sqlalchemy import Engine, func, select

from helpdesk.registry.schema import audit_entries, flags, kiosks, records
from helpdesk.registry.testing import RegistryServer
from helpdesk.sync.protocol import make_batch, sign


def count(engine: Engine, table=records) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def batch_of(kiosk, start: int = 1, end: int | None = None):  # type: ignore[no-untyped-def]
    """A signed batch with the kiosk's audit entries start..end and their records."""
    entries = [e for e in kiosk.store.audit.entries() if e.seq >= start and (end is None or e.seq <= end)]
    recs = [kiosk.store.get(e.ref).to_dict() for e in entries if e.action.startswith("record:")]
    return sign(make_batch(kiosk.kiosk_id, [e.to_dict() for e in entries], recs, kiosk.store.now()),
                kiosk.identity.key)


def post(server: RegistryServer, batch: dict) -> httpx.Response:  # type: ignore[type-arg]
    return httpx.post(server.url + "/v1/batches", json=batch, timeout=30)


def test_openapi_document_is_served(registry_server: RegistryServer) -> None:
    doc = httpx.get(registry_server.url + "/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert {"/v1/batches", "/v1/records", "/v1/kiosks/{kiosk_id}/head", "/v1/flags"} <= set(doc["paths"])


def test_batch_is_stored_and_acknowledged_per_record(registry_server, registry_engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01", registry_engine, unit="snv")
    ids = kiosk.commit(5)
    answer = post(registry_server, batch_of(kiosk))
    assert answer.status_code == 200
    body = answer.json()
    assert [a["id"] for a in body["acks"]] == ids
    assert {a["status"] for a in body["acks"]} == {"stored"}
    assert body["head"]["seq"] == kiosk.store.audit.head()[0]
    with registry_engine.connect() as conn:
        rows = conn.execute(select(records.c.id, records.c.unit, records.c.body, records.c.payload)
                            .order_by(records.c.pk)).all()
        head = conn.execute(select(kiosks.c.head_seq, kiosks.c.head_hash)).one()
    assert [r.id for r in rows] == ids
    assert {r.unit for r in rows} == {"snv"}
    assert "Bàn giao thiết bị số 0" in rows[0].body
    assert [r.payload for r in rows] == [json.loads(r.body)["payload"] for r in rows]  # kept for counting
    assert tuple(head) == kiosk.store.audit.head()


def test_a_payload_holding_u0000_is_stored_with_the_body_intact(registry_server, registry_engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.store.commit_many([("test.note", {}, {"text": "a\x00b", "n": 1}, "cán bộ 1")])
    answer = post(registry_server, batch_of(kiosk))
    assert answer.status_code == 200, answer.text
    assert [a["status"] for a in answer.json()["acks"]] == ["stored"]
    with registry_engine.connect() as conn:
        body, payload = conn.execute(select(records.c.body, records.c.payload)).one()
    assert json.loads(body)["payload"] == {"text": "a\x00b", "n": 1}  # the signed body is untouched
    assert payload == {"text": "a\ufffdb", "n": 1}  # JSONB cannot hold U+0000


def test_the_same_records_again_are_duplicates_not_copies(registry_server, registry_engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(4)
    assert post(registry_server, batch_of(kiosk)).status_code == 200
    again = post(registry_server, batch_of(kiosk))  # a new batch id, the same records
    assert again.status_code == 200
    assert {a["status"] for a in again.json()["acks"]} == {"duplicate"}
    assert count(registry_engine) == 4
    assert count(registry_engine, flags) == 0


def test_a_replayed_batch_is_refused(registry_server, registry_engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(3)
    batch = batch_of(kiosk)
    assert post(registry_server, batch).status_code == 200
    replay = post(registry_server, batch)
    assert replay.status_code == 409
    assert replay.json()["error"] == "replayed"
    assert count(registry_engine) == 3


def test_an_unenrolled_kiosk_gets_401_and_nothing_is_stored(registry_server, registry_engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-stranger")  # not enrolled
    kiosk.commit(2)
    answer = post(registry_server, batch_of(kiosk))
    assert answer.status_code == 401
    assert count(registry_engine) == 0
    assert count(registry_engine, audit_entries) == 0


def test_a_revoked_kiosk_gets_401(registry_server, registry_engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    from helpdesk.registry.kiosks import revoke

    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(2)
    assert post(registry_server, batch_of(kiosk, 1, 2)).status_code == 200
    revoke(registry_engine, "kiosk-01")
    answer = post(registry_server, batch_of(kiosk, 3))
    assert answer.status_code == 401
    assert "revoked" in answer.json()["message"]
    assert count(registry_engine) == 1  # what it sent before stays


def test_a_forged_signature_gets_401(registry_server, registry_engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(2)
    batch = batch_of(kiosk)
    forged = sign(batch, Ed25519PrivateKey.generate())  # someone else's key, the kiosk's name
    assert post(registry_server, forged).status_code == 401
    tampered = copy.deepcopy(batch)  # the kiosk's signature, a changed record
    tampered["records"][0]["payload"]["text"] = "sửa đổi"
    assert post(registry_server, tampered).status_code == 401
    assert count(registry_engine) == 0


def test_a_record_that_does_not_match_its_audit_entry_is_rejected(registry_server, registry_engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01", registry_engine)
    ids = kiosk.commit(2)
    batch = batch_of(kiosk)
    batch["records"][1]["payload"]["text"] = "sửa sau khi ghi"  # altered, then signed by the kiosk itself
    answer = post(registry_server, sign(batch, kiosk.identity.key))
    assert answer.status_code == 200
    assert [a["id"] for a in answer.json()["acks"]] == [ids[0]]
    assert answer.json()["rejected"] == [{"id": ids[1], "reason": "audit_mismatch"}]
    assert count(registry_engine) == 1


def test_an_audit_gap_is_flagged_and_nothing_stored(registry_server, registry_engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(6)
    answer = post(registry_server, batch_of(kiosk, 4))  # entries 1-3 never sent
    assert answer.status_code == 409
    assert answer.json()["error"] == "audit_gap"
    assert count(registry_engine) == 0
    shown = registry_server.client().get("/v1/flags").json()["flags"]
    assert [(f["kiosk_id"], f["kind"], f["seq"]) for f in shown] == [("kiosk-01", "gap", 1)]


def test_a_forked_chain_is_flagged_never_merged(registry_server, registry_engine, make_kiosk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(3)
    assert post(registry_server, batch_of(kiosk)).status_code == 200
    # The kiosk's log is rewritten from its first entries on (a restored or rebuilt data folder).
    kiosk.store.close()
    shutil.rmtree(kiosk.settings.data_dir)
    kiosk.reopen()
    kiosk.commit(5)
    answer = post(registry_server, batch_of(kiosk))
    assert answer.status_code == 409
    assert answer.json()["error"] == "audit_fork"
    assert count(registry_engine) == 3
    shown = registry_server.client().get("/v1/flags", params={"kiosk": "kiosk-01"}).json()["flags"]
    assert [f["kind"] for f in shown] == ["fork"]


def test_a_chain_that_skips_its_head_is_a_fork(registry_server, registry_engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(4)
    assert post(registry_server, batch_of(kiosk, 1, 2)).status_code == 200
    entries = [e.to_dict() for e in kiosk.store.audit.entries() if e.seq >= 3]
    entries[0]["prev"] = "f" * 64  # continues from some other entry #2
    from helpdesk.store.audit import chain_hash

    prev = entries[0]["prev"]
    for e in entries:
        e["prev"] = prev
        e["hash"] = prev = chain_hash(prev, {k: v for k, v in e.items() if k != "hash"})
    forged = sign(make_batch("kiosk-01", entries, [], kiosk.store.now()), kiosk.identity.key)
    answer = post(registry_server, forged)
    assert answer.status_code == 409
    assert answer.json()["error"] == "audit_fork"


def test_malformed_batches_get_400(registry_server, registry_engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    make_kiosk("kiosk-01", registry_engine)
    assert post(registry_server, {"hello": "world"}).status_code == 400
    assert httpx.post(registry_server.url + "/v1/batches", content=b"not json",
                      headers={"content-type": "application/json"}).status_code in (400, 422)


def test_a_record_id_already_held_with_other_content_is_refused_and_flagged(
    registry_server, registry_engine, make_kiosk  # type: ignore[no-untyped-def]
) -> None:
    a = make_kiosk("kiosk-a", registry_engine)
    b = make_kiosk("kiosk-b", registry_engine)
    (taken,) = a.commit(1)
    assert post(registry_server, batch_of(a)).status_code == 200
    b.commit(1)
    # kiosk b presents a record under kiosk a's record id, with a chain that matches it
    entries = [e.to_dict() for e in b.store.audit.entries()]
    record = {**b.store.records()[0].to_dict(), "id": taken}
    from helpdesk.store.audit import chain_hash
    from helpdesk.store.canonical import digest

    entries[-1]["ref"] = taken
    entries[-1]["digest"] = digest(record)
    entries[-1]["hash"] = chain_hash(entries[-1]["prev"], {k: v for k, v in entries[-1].items() if k != "hash"})
    answer = post(registry_server, sign(make_batch("kiosk-b", entries, [record], b.store.now()), b.identity.key))
    assert answer.status_code == 200
    assert answer.json()["rejected"] == [{"id": taken, "reason": "conflict"}]
    with registry_engine.connect() as conn:
        held = conn.execute(select(records.c.kiosk_id).where(records.c.id == taken)).scalar_one()
        flagged = conn.execute(select(flags.c.kiosk_id, flags.c.kind, flags.c.ref)).all()
    assert held == "kiosk-a"
    assert [tuple(f) for f in flagged] == [("kiosk-b", "conflict", taken)]


def test_an_oversized_batch_gets_413(registry_server) -> None:  # type: ignore[no-untyped-def]
    from helpdesk.registry.app import MAX_BATCH_BYTES

    def body():  # type: ignore[no-untyped-def]
        chunk = b" " * (1024 * 1024)
        for _ in range(MAX_BATCH_BYTES // len(chunk) + 2):
            yield chunk

    answer = httpx.post(registry_server.url + "/v1/batches", content=body(),
                        headers={"content-type": "application/json"}, timeout=60)
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"
