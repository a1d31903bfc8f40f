"""Offline bundles at the registry: ``helpdesk registry import FILE`` ingests a bundle
(a signed batch carried on a USB stick) with the same signature, replay-safe and
idempotency checks as HTTP, and writes a receipt signed by the registry's key.

Importing the same bundle twice changes nothing and gives the same acknowledgements.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from helpdesk.registry.db import now
from helpdesk.registry.errors import BadBatch
from helpdesk.registry.ingest import IngestResult, ingest
from helpdesk.sync.protocol import PROTOCOL, RECEIPT, sign

MAX_BUNDLE_BYTES = 512 * 1024 * 1024


def read_bundle(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_BUNDLE_BYTES:
            raise BadBatch("The bundle {path} is too large", path=str(path))
        return orjson.loads(path.read_bytes())
    except OSError as exc:
        raise BadBatch("Cannot read the bundle {path}: {error}", path=str(path),
                       error=exc.strerror or str(exc)) from exc
    except orjson.JSONDecodeError as exc:
        raise BadBatch("The bundle {path} is not valid JSON: {error}", path=str(path), error=str(exc)) from exc


def make_receipt(result: IngestResult, key: Ed25519PrivateKey) -> dict[str, Any]:
    return sign({
        "protocol": PROTOCOL, "kind": RECEIPT, "batch_id": result.batch_id, "kiosk_id": result.kiosk_id,
        "created": now(), "acks": [a["id"] for a in result.acks], "rejected": result.rejected, "head": result.head,
    }, key)


def import_bundle(engine: Engine, path: Path, key: Ed25519PrivateKey, receipt_path: Path) -> IngestResult:
    """Ingest the bundle in ``path`` and write its signed receipt to ``receipt_path``."""
    result = ingest(engine, read_bundle(path), source="bundle")
    receipt = make_receipt(result, key)
    tmp = receipt_path.with_name(receipt_path.name + ".tmp")
    tmp.write_bytes(orjson.dumps(receipt, option=orjson.OPT_INDENT_2))
    tmp.replace(receipt_path)
    return result
