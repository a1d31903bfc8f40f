"""``helpdesk plugin new``: the scaffold installs, shows in ``helpdesk plugins``, opens on
the menu and passes its own test (run in a subprocess against the installed copy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpdesk.scaffold import ScaffoldError, create_plugin
from helpdesk.testing.cli import run_cli


def test_bad_names_and_existing_folders_are_refused(tmp_path: Path) -> None:
    for bad in ("Kiem-Ke", "1abc", "class", "x"):
        with pytest.raises(ScaffoldError):
            create_plugin(bad, tmp_path)
    create_plugin("kiem_ke", tmp_path)
    with pytest.raises(ScaffoldError, match="already exists"):
        create_plugin("kiem_ke", tmp_path)


@pytest.mark.slow
def test_the_scaffold_installs_lists_and_passes_its_own_test(tmp_path: Path, helpdesk_home: Path) -> None:
    done = run_cli("plugin", "new", "kiem_ke", "--dir", str(tmp_path), "--title-vi", "Kiểm kê thiết bị",
                   "--title-en", "Token stock-taking")
    assert done.returncode == 0, done.stderr
    root = tmp_path / "kiem_ke"
    assert (root / "helpdesk_kiem_ke" / "plugin.py").exists()
    imports = [line for p in (root / "helpdesk_kiem_ke").rglob("*.py") for line in p.read_text().splitlines()
               if line.startswith(("from helpdesk", "import helpdesk"))]
    assert {line.split()[1] for line in imports} <= {"helpdesk.extension", "helpdesk_kiem_ke.records",
                                                    "helpdesk_kiem_ke.plugin", "helpdesk_kiem_ke.screens"}

    target = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                          "--target", str(target), str(root)], capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr
    env = {"PYTHONPATH": os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")])}
    listed = run_cli("plugins", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    states = {p["name"]: p for p in json.loads(listed.stdout)}
    assert states["kiem_ke"]["state"] == "ok" and "helpdesk_register_workflows" in states["kiem_ke"]["hooks"]

    own = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env={**os.environ, **env})
    assert own.returncode == 0, own.stdout + own.stderr
    assert "1 passed" in own.stdout
