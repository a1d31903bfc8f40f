"""Queries by unit, record type and period, keyset-paginated; only for read-token holders."""

from __future__ import annotations

import httpx

from helpdesk.registry.testing import RegistryServer


def test_records_by_unit_type_and_period_paginated(registry_server: RegistryServer, registry_engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    a = make_kiosk("kiosk-a", registry_engine, unit="snv")
    b = make_kiosk("kiosk-b", registry_engine, unit="q-ninhkieu")
    a_ids = a.commit(25)
    b_ids = b.commit(7, unit="p-anhoi")  # the record's own unit_id wins over the kiosk's unit
    for kiosk in (a, b):
        result = kiosk.pusher(registry_server.url, batch_size=10).push()
        assert result.rejected == []
    with registry_server.client() as http:
        seen: list[str] = []
        cursor = 0
        pages = 0
        while True:
            page = http.get("/v1/records", params={"unit": "snv", "type": "test.note", "limit": 10,
                                                   "cursor": cursor}).json()
            seen += [r["id"] for r in page["records"]]
            pages += 1
            if page["next_cursor"] is None:
                break
            cursor = page["next_cursor"]
        assert seen == a_ids
        assert pages == 3
        other = http.get("/v1/records", params={"unit": "p-anhoi"}).json()["records"]
        assert [r["id"] for r in other] == b_ids
        assert other[0]["payload"]["text"] == "Bàn giao thiết bị số 0"
        first_time = other[0]["time"]
        later = http.get("/v1/records", params={"unit": "p-anhoi", "since": "2099-01-01T00:00:00Z"}).json()
        assert later["records"] == []
        upto = http.get("/v1/records", params={"until": first_time, "kiosk": "kiosk-b"}).json()["records"]
        assert upto == []
        assert http.get("/v1/records", params={"type": "void"}).json()["records"] == []
        kiosks = {k["id"]: k for k in http.get("/v1/kiosks").json()["kiosks"]}
        assert kiosks["kiosk-a"]["head"]["seq"] == a.store.audit.head()[0]


def test_queries_need_the_read_token(registry_server: RegistryServer) -> None:
    assert httpx.get(registry_server.url + "/v1/records").status_code == 401
    wrong = httpx.get(registry_server.url + "/v1/records", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert httpx.get(registry_server.url + "/v1/flags").status_code == 401
    with registry_server.client() as http:
        assert http.get("/v1/records").status_code == 200


def test_head_of_an_unknown_kiosk_is_404(registry_server: RegistryServer) -> None:
    answer = httpx.get(registry_server.url + "/v1/kiosks/nobody/head")
    assert answer.status_code == 404
    assert answer.json()["error"] == "unknown_kiosk"
