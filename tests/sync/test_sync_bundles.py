"""Offline bundles: export at the kiosk, import at the registry (same checks as HTTP,
idempotent), a signed receipt back, records marked synced only by a genuine receipt."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, func, select

from helpdesk.registry.schema import records


def helpdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "helpdesk.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


def test_bundle_round_trip_idempotent_import_and_receipt(
    registry_db: str, registry_engine: Engine, make_kiosk, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    kiosk = make_kiosk("kiosk-xa", registry_engine)
    kiosk.commit(20)
    kiosk.close()
    env = kiosk.env("")  # offline: no registry URL at all
    env["HELPDESK_REGISTRY_KEY"] = str(tmp_path / "registry-key.pem")
    usb = tmp_path / "usb"
    exported = helpdesk(env, "sync", "export", str(usb))
    assert exported.returncode == 0, exported.stderr
    (bundle,) = usb.glob("helpdesk-bundle-kiosk-xa-*.json")
    first = helpdesk(env, "registry", "import", str(bundle), "--db", registry_db)
    assert first.returncode == 0, first.stderr
    assert "Imported 20 new records (0 already held, 0 refused)" in first.stdout
    assert stored(registry_engine) == 20
    again = helpdesk(env, "registry", "import", str(bundle), "--db", registry_db)
    assert again.returncode == 0, again.stderr
    assert "Imported 0 new records (20 already held, 0 refused)" in again.stdout
    assert stored(registry_engine) == 20
    receipt = Path(str(bundle) + ".receipt.json")
    assert len(json.loads(receipt.read_text())["acks"]) == 20

    refused = helpdesk(env, "sync", "receipt", str(receipt))  # no registry key configured: refuse
    assert refused.returncode == 2
    registry_key = helpdesk(env, "registry", "id").stdout.strip()
    config = Path(env["HELPDESK_CONFIG"])
    config.write_text(config.read_text() + f'registry_public_key = "{registry_key}"\n', encoding="utf-8")
    applied = helpdesk(env, "sync", "receipt", str(receipt))
    assert applied.returncode == 0, applied.stderr
    assert "20 records marked synced; 0 pending." in applied.stdout
    kiosk.reopen()
    assert kiosk.store.outbox.count() == 0


def test_a_tampered_bundle_is_refused_and_nothing_stored(
    registry_db: str, registry_engine: Engine, make_kiosk, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    kiosk = make_kiosk("kiosk-xa", registry_engine)
    kiosk.commit(5)
    kiosk.close()
    env = kiosk.env("")
    env["HELPDESK_REGISTRY_KEY"] = str(tmp_path / "registry-key.pem")
    assert helpdesk(env, "sync", "export", str(tmp_path / "usb")).returncode == 0
    (bundle,) = (tmp_path / "usb").glob("*.json")
    doc = json.loads(bundle.read_text())
    doc["records"][2]["payload"]["text"] = "Bàn giao cho người khác"
    bundle.write_text(json.dumps(doc, ensure_ascii=False))
    result = helpdesk(env, "registry", "import", str(bundle), "--db", registry_db)
    assert result.returncode == 2
    assert "signature" in result.stderr
    assert stored(registry_engine) == 0


def test_a_receipt_not_signed_by_the_registry_marks_nothing(
    registry_db: str, registry_engine: Engine, make_kiosk, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from helpdesk.sync.protocol import PROTOCOL, encode_public_key, sign

    kiosk = make_kiosk("kiosk-xa", registry_engine)
    ids = kiosk.commit(3)
    kiosk.close()
    env = kiosk.env("")
    real = Ed25519PrivateKey.generate()
    config = Path(env["HELPDESK_CONFIG"])
    config.write_text(config.read_text() + f'registry_public_key = "{encode_public_key(real.public_key())}"\n',
                      encoding="utf-8")
    forged = sign({"protocol": PROTOCOL, "kind": "receipt", "kiosk_id": "kiosk-xa", "batch_id": "x",
                   "created": "2026-12-06T00:00:00Z", "acks": ids, "rejected": [], "head": {}},
                  Ed25519PrivateKey.generate())
    path = tmp_path / "forged.receipt.json"
    path.write_text(json.dumps(forged))
    result = helpdesk(env, "sync", "receipt", str(path))
    assert result.returncode == 2
    kiosk.reopen()
    assert kiosk.store.outbox.count() == 3
