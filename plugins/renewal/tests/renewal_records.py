"""Handover records as the handover plugin saves them (its record type validates them),
for the sweep and the hand-over step of the renewal tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from helpdesk.extension import Record, WorkflowContext


def handover_payload(seq: int, *, name: str, national_id: str, unit: str, token: str, cert_serial: str,
                     not_after: str, unit_id: str = "") -> dict[str, Any]:
    today = date.today()
    return {
        "number": f"{seq}/BB-SNV", "year": today.year, "seq": seq, "date": today.isoformat(), "batch": None,
        "giver": {"operator_id": "op-binh", "name": "Trần Văn Bình", "position": "Chuyên viên",
                  "department": "SỞ NỘI VỤ"},
        "holder": {"subscriber_id": f"sb-{national_id[-6:]}", "name": name, "position": "Chủ tịch",
                   "unit_id": unit_id, "unit": unit, "national_id": national_id,
                   "email": f"u{national_id[-4:]}@cantho.gov.vn", "cert_kind": "cá nhân"},
        "recipient": {"kind": "holder", "name": "", "national_id": "", "position": "", "unit": "", "phone": "",
                      "authorisation": ""},
        "identity": "typed",
        "device": {"serial": token, "label": "VGCA Token", "manufacturer": "", "model": ""},
        "certificate": {"serial": cert_serial, "subject": f"CN={name}", "common_name": name, "issuer": "CN=CA",
                        "not_before": "2024-01-01T00:00:00Z", "not_after": not_after,
                        "fingerprint_sha256": "00"},
        "failed_checks": [], "override": None,
    }


def hand_over(ctx: WorkflowContext, seq: int, **fields: Any) -> Record:
    payload = handover_payload(seq, **fields)
    subject = {"subscriber_id": payload["holder"]["subscriber_id"], "token_serial": fields["token"],
               "cert_serial": fields["cert_serial"]}
    return ctx.commit("handover", subject, payload)
