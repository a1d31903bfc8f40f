"""``helpdesk sync now|status``, the home screen's sync line and ``audit verify --registry``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from helpdesk.registry.testing import KioskUnderTest, RegistryServer
from helpdesk.store.audit import HEAD_FILE, chain_hash, segment_files
from helpdesk.store.canonical import digest


def helpdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "helpdesk.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_sync_now_and_status(registry_server: RegistryServer, registry_engine: Engine, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(25)
    kiosk.close()
    env = kiosk.env(registry_server.url, batch_size=10)
    before = json.loads(helpdesk(env, "sync", "status", "--json").stdout)
    assert before["configured"] and before["pending"] == 25 and before["last_success"] is None
    pushed = helpdesk(env, "sync", "now", "--json")
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(pushed.stdout) == {"sent": 25, "batches": 3, "rejected": [], "pending": 0,
                                         "registry_head": 26}
    after = json.loads(helpdesk(env, "sync", "status", "--json").stdout)
    assert after["pending"] == 0 and after["last_success"] and after["last_error"] is None
    line = helpdesk({**env, "HELPDESK_LANG": "vi"}, "sync", "status")
    assert line.stdout.startswith("Đồng bộ: 0 bản ghi chờ gửi · lần thành công cuối")


def test_sync_now_when_the_registry_is_down_exits_2_and_keeps_the_records(make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01")
    kiosk.commit(3)
    kiosk.close()
    env = kiosk.env("http://127.0.0.1:9")  # nothing listens there
    pushed = helpdesk(env, "sync", "now")
    assert pushed.returncode == 2
    assert "Cannot reach the registry" in pushed.stderr
    status = json.loads(helpdesk(env, "sync", "status", "--json").stdout)
    assert status["pending"] == 3 and "Cannot reach the registry" in status["last_error"]


def test_sync_without_a_registry_url_is_not_set_up(helpdesk_home: Path) -> None:
    env = {**os.environ, "HELPDESK_LANG": "vi"}
    env.pop("HELPDESK_REGISTRY_URL", None)
    assert helpdesk(env, "sync", "status").stdout.strip() == "Đồng bộ: chưa thiết lập"
    pushed = helpdesk(env, "sync", "now")
    assert pushed.returncode == 2


def test_status_line_for_the_home_screen(make_kiosk) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from helpdesk.i18n import set_language
    from helpdesk.sync.relay import state_path
    from helpdesk.sync.state import SyncState, save_state
    from helpdesk.sync.status import status_line

    kiosk: KioskUnderTest = make_kiosk("kiosk-01")
    kiosk.commit(4)
    settings = replace(kiosk.settings, registry_url="http://registry.example:8470")
    save_state(state_path(settings), SyncState(
        last_success="2026-12-06T01:00:00.000000Z",
        last_error={"message": "Cannot reach the registry at {url}: {error}",
                    "params": {"url": "http://registry.example:8470", "error": "ConnectError"}}))
    set_language("en")
    line = status_line(settings, kiosk.store)
    assert line.startswith("Sync: 4 pending · last success 06/12/2026")
    assert line.endswith("last error: Cannot reach the registry at http://registry.example:8470: ConnectError")
    set_language("vi")
    assert status_line(settings, kiosk.store).startswith("Đồng bộ: 4 bản ghi chờ gửi")
    assert status_line(kiosk.settings, kiosk.store) == "Đồng bộ: chưa thiết lập"


def rewrite_history(data_dir: Path) -> None:
    """Change the first record and re-hash the whole chain and head.json, as a careful forger would."""
    prev = "0" * 64
    count = 0
    changed = False
    for name in segment_files(data_dir):
        path = data_dir / name
        tables = json.loads(path.read_text(encoding="utf-8"))
        recs = {r["id"]: r for r in tables["records"].values()}
        for entry in sorted(tables["audit"].values(), key=lambda e: e["seq"]):
            if entry["action"].startswith("record:") and not changed:
                recs[entry["ref"]]["payload"]["text"] = "đã bị sửa"
                entry["digest"] = digest(recs[entry["ref"]])
                changed = True
            entry["prev"] = prev
            entry["hash"] = prev = chain_hash(prev, {k: v for k, v in entry.items() if k != "hash"})
            count = entry["seq"]
        path.write_text(json.dumps(tables, ensure_ascii=False), encoding="utf-8")
    (data_dir / HEAD_FILE).write_text(json.dumps({"head": {"1": {"count": count, "hash": prev}}}), encoding="utf-8")
    (data_dir / "index.json").unlink(missing_ok=True)


def test_audit_verify_against_the_registry_catches_a_rewritten_chain(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk  # type: ignore[no-untyped-def]
) -> None:
    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(12)
    assert kiosk.pusher(registry_server.url).push().sent == 12
    kiosk.close()
    env = kiosk.env(registry_server.url)
    good = helpdesk(env, "audit", "verify", "--registry")
    assert good.returncode == 0, good.stderr
    assert "Matches the registry: 13 entries compared" in good.stdout
    rewrite_history(kiosk.settings.data_dir)
    local_only = helpdesk(env, "audit", "verify")
    assert local_only.returncode == 0  # a consistent rewrite fools the local check …
    caught = helpdesk(env, "audit", "verify", "--registry", registry_server.url, "--json")
    assert caught.returncode == 1  # … but not the registry's copy
    report = json.loads(caught.stdout)["registry"]
    assert report["ok"] is False and "#2 differs from the registry" in report["problem"]


def test_a_kiosk_whose_chain_was_cut_is_caught_and_flagged(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk  # type: ignore[no-untyped-def]
) -> None:
    import shutil

    from helpdesk.sync.errors import RegistryRefused, SyncError

    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(5)
    kiosk.store.close()
    backup = kiosk.home / "backup"
    shutil.copytree(kiosk.settings.data_dir, backup)  # an old copy of the data folder
    kiosk.reopen()
    kiosk.commit(5)
    assert kiosk.pusher(registry_server.url).push().sent == 10
    kiosk.store.close()
    shutil.rmtree(kiosk.settings.data_dir)
    shutil.copytree(backup, kiosk.settings.data_dir)  # the last five records cut off, head.json too
    env = kiosk.env(registry_server.url)
    assert helpdesk(env, "audit", "verify").returncode == 0  # consistent on its own …
    caught = helpdesk(env, "audit", "verify", "--registry")
    assert caught.returncode == 1  # … but the registry holds more
    assert "The registry holds audit entry #7 but the local log ends at #6" in caught.stderr
    kiosk.reopen()
    with pytest.raises(SyncError, match="the local log was cut or restored"):
        kiosk.pusher(registry_server.url).push()
    kiosk.commit(1)  # the cut kiosk goes on: its entry #7 is not the registry's #7
    with pytest.raises(RegistryRefused) as refused:
        kiosk.pusher(registry_server.url).push()
    assert refused.value.status == 409 and refused.value.code == "audit_fork"
    shown = registry_server.client().get("/v1/flags").json()["flags"]
    assert [(f["kind"], f["seq"]) for f in shown] == [("fork", 7)]
    assert kiosk.store.outbox.count() == 1
