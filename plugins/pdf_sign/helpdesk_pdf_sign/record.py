"""Record type ``pdf_sign.test``: one test signing (what, by which certificate, the result).

No PIN ever: the payload holds serials, hashes, the checks' outcomes and the validation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

RECORD_TYPE = "pdf_sign.test"
RESULTS = ("valid", "invalid")
LEVELS = ("B-B", "B-T", "B-LT")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def validate_payload(p: Mapping[str, Any]) -> list[str]:
    """Problems with a ``pdf_sign.test`` payload (English; the store refuses the commit on any)."""
    problems: list[str] = []
    for key in ("certificate_serial", "token_serial", "signed_at", "operator_name"):
        if not isinstance(p.get(key), str) or not p[key]:
            problems.append(f"{key} is required")
    document = p.get("document")
    if not isinstance(document, Mapping) or not _SHA256.match(str(document.get("sha256", ""))):
        problems.append("document.sha256 must be a SHA-256 hex digest")
    if not _SHA256.match(str(p.get("signed_sha256", ""))):
        problems.append("signed_sha256 must be a SHA-256 hex digest")
    if p.get("result") not in RESULTS:
        problems.append(f"result must be one of {', '.join(RESULTS)}")
    if p.get("level") not in LEVELS:
        problems.append(f"level must be one of {', '.join(LEVELS)}")
    if not isinstance(p.get("validation"), Mapping):
        problems.append("validation is required")
    if any("pin" in str(k).lower() for k in p):
        problems.append("a PIN never goes into a record")
    return problems
