"""The seal: canonical JSON hash of the record, QR payload format."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, date, datetime

import pytest

from helpdesk.forms import FormSeal, canonical_json, content_hash, parse_payload
from helpdesk.forms.sample import sample_record


def test_canonical_json_is_sorted_compact_nfc() -> None:
    data = {"b": 1, "a": unicodedata.normalize("NFD", "Tuyết"), "c": [True, None]}
    assert canonical_json(data) == '{"a":"Tuyết","b":1,"c":[true,null]}'.encode()


def test_nfd_and_nfc_records_hash_alike() -> None:
    record = sample_record()
    nfd = {
        **record,
        "holder": {k: unicodedata.normalize("NFD", v) for k, v in record["holder"].items()},
    }
    assert nfd["holder"]["name"] != record["holder"]["name"]
    assert content_hash(nfd) == content_hash(record)


def test_any_change_changes_the_hash() -> None:
    record = sample_record()
    changed = {**record, "holder": {**record["holder"], "name": "Nguyễn Thị Ánh Tuyêt"}}
    assert content_hash(changed) != content_hash(record)
    seal = FormSeal.for_record(record["id"], record)
    assert seal.matches(record) and not seal.matches(changed)


def test_dates_and_uuids_have_text_forms_floats_have_none() -> None:
    rid = uuid.UUID("3f6c1c2e-8a51-4d0b-9a7e-2b1f0c5d7e91")
    data = {"d": date(2026, 11, 27), "t": datetime(2026, 11, 27, 2, 30, tzinfo=UTC), "id": rid}
    assert canonical_json(data) == (
        b'{"d":"2026-11-27","id":"3f6c1c2e-8a51-4d0b-9a7e-2b1f0c5d7e91",'
        b'"t":"2026-11-27T02:30:00+00:00"}'
    )
    with pytest.raises(TypeError, match="floats"):
        canonical_json({"amount": 7.44})
    with pytest.raises(TypeError):
        canonical_json({"x": {1, 2}})


def test_payload_round_trip() -> None:
    seal = FormSeal.for_record("3f6c1c2e-8a51-4d0b-9a7e-2b1f0c5d7e91", sample_record())
    assert seal.payload() == f"helpdesk:v1:3f6c1c2e-8a51-4d0b-9a7e-2b1f0c5d7e91:{seal.digest[:12]}"
    assert seal.display_hash == f"{seal.digest[:4]}-{seal.digest[4:8]}-{seal.digest[8:12]}"
    back = parse_payload(seal.payload())
    assert back.record_id == seal.record_id
    assert back.matches(sample_record())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "helpdesk:v1::0123456789ab",
        "helpdesk:v2:r1:0123456789ab",
        "helpdesk:v1:r1:0123456789",
        "helpdesk:v1:r1:0123456789zz",
        "https://example.org/",
    ],
)
def test_foreign_codes_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_payload(text)
