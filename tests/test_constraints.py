"""The dependency set is pinned: every package in the venv has its exact version in
constraints.txt (which scripts/setup.sh installs with), so CI does not change under us."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

CONSTRAINTS = Path(__file__).resolve().parents[1] / "constraints.txt"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"constraints.txt: {line!r} is not an exact pin (name==version)"
            pins[_normal(name)] = version.strip()
    return pins


def test_every_installed_package_is_pinned_at_its_version() -> None:
    pins = pinned()
    installed = {
        _normal(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions()
        if not _normal(dist.metadata["Name"]).startswith("helpdesk")  # ours, installed editable
    }
    assert {n: v for n, v in installed.items() if pins.get(n) != v} == {}, (
        "run `make constraints` and commit constraints.txt"
    )
    assert {"textual", "segno", "pycups", "babel", "pytest"} <= set(pins)
