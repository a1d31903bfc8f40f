"""helpdesk.sync and helpdesk.registry stay out of the kiosk's and CLI's import time,
and every message of theirs has a Vietnamese translation with the same placeholders."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import helpdesk
from helpdesk.i18n import parse_po

ROOT = Path(helpdesk.__file__).parent


def test_cli_app_and_home_screen_do_not_import_sync_or_registry() -> None:
    code = ("import sys, helpdesk.cli, helpdesk.kiosk, helpdesk.app, helpdesk.screens.home;"
            "print(sorted(m for m in sys.modules if m.startswith(('helpdesk.sync', 'helpdesk.registry'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_sync_does_not_import_the_registry() -> None:
    for path in (ROOT / "sync").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("helpdesk.registry"), path


def _messages() -> set[str]:
    """English msgids passed to _()/gettext() or as the first argument of an error class."""
    found: set[str] = set()
    for folder in ("sync", "registry"):
        for path in (ROOT / folder).glob("*.py"):  # this package's own modules, not sub-packages
            if path.name in {"testing.py", "fixtures.py"}:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None) or ""
                first = node.args[0]
                text = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
                if text and (name in {"_", "gettext"} or ((name[:1].isupper() and "{" in text) or name.endswith(
                        ("Error", "Refused", "Unreachable", "Unauthorized", "Replayed", "Batch", "Bundle",
                         "Configured", "Flagged", "Kiosk", "Busy")))):
                    found.add(text)
    return found


def test_every_sync_message_is_translated_with_the_same_placeholders() -> None:
    catalog: dict[str, str] = {}
    for po in sorted((ROOT / "locale" / "vi" / "LC_MESSAGES").glob("*.po")):
        catalog.update(parse_po(po.read_text(encoding="utf-8")))
    messages = _messages()
    assert len(messages) > 40
    missing = sorted(m for m in messages if m not in catalog)
    assert missing == []
    fields = re.compile(r"\{[^}]*\}")
    for msgid in messages:
        assert sorted(fields.findall(msgid)) == sorted(fields.findall(catalog[msgid])), msgid
