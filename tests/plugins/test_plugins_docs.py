"""Meta-tests: every hook is documented, tested, typed, and has its result checked."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from helpdesk import hookspecs
from helpdesk.plugins import HOOK_NAMES, RESULT_CHECKS

ROOT = Path(__file__).resolve().parents[2]
HOOKS_DOC = ROOT / "docs" / "hooks.md"
HEADING = re.compile(r"^#{2,3} +`?(helpdesk_\w+)", re.MULTILINE)
TEST_DEF = re.compile(r"^\s*(?:async\s+)?def (test_hook_\w+)\(", re.MULTILINE)


def documented_hooks() -> list[str]:
    return HEADING.findall(HOOKS_DOC.read_text(encoding="utf-8"))


def hook_tests() -> set[str]:
    files = list((ROOT / "tests").rglob("test_*.py")) + list((ROOT / "plugins").glob("*/tests/**/test_*.py"))
    return {name for f in files for name in TEST_DEF.findall(f.read_text(encoding="utf-8"))}


def test_hook_names_found() -> None:
    assert len(HOOK_NAMES) == 14 and "helpdesk_identify_token" in HOOK_NAMES


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_has_a_heading_in_the_reference(hook: str) -> None:
    assert hook in documented_hooks(), f"docs/hooks.md has no heading for {hook}"


def test_reference_documents_no_stale_hooks() -> None:
    headings = documented_hooks()
    assert sorted(set(headings) - set(HOOK_NAMES)) == []
    assert len(headings) == len(set(headings)), "a hook has two headings"


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_has_a_test(hook: str) -> None:
    wanted = "test_hook_" + hook.removeprefix("helpdesk_")
    assert wanted in hook_tests(), f"no function {wanted} under tests/ or plugins/*/tests"


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hookspec_is_typed_with_a_one_line_docstring(hook: str) -> None:
    spec = getattr(hookspecs, hook)
    doc = inspect.getdoc(spec) or ""
    assert doc and "\n" not in doc, f"{hook}: one-line docstring"
    annotations = spec.__annotations__
    params = inspect.signature(spec).parameters
    assert set(params) <= set(annotations) and "return" in annotations, f"{hook}: annotate every argument and the return"


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_results_are_checked_for_every_hook_that_returns_something(hook: str) -> None:
    returns = getattr(hookspecs, hook).__annotations__["return"]
    assert (returns != "None") == (hook in RESULT_CHECKS)


def test_firstresult_hooks_may_answer_none() -> None:
    for hook in HOOK_NAMES:
        spec = getattr(hookspecs, hook)
        if getattr(spec, "helpdesk_spec", {}).get("firstresult"):
            assert spec.__annotations__["return"].endswith("| None"), hook


MSGID = re.compile(r'(?:\b_|gettext|Error|Incompatible|Timeout)\(\s*"((?:[^"\\]|\\.)+)"')


def test_every_message_has_a_vietnamese_translation() -> None:
    from helpdesk.i18n import parse_po

    sources = [*(ROOT / "helpdesk" / "plugins").glob("*.py"), ROOT / "helpdesk" / "extension.py",
               ROOT / "helpdesk" / "commands" / "plugins.py", ROOT / "helpdesk" / "commands" / "config.py"]
    msgids = {m for f in sources for m in MSGID.findall(f.read_text(encoding="utf-8"))}
    catalog = parse_po((ROOT / "helpdesk" / "locale" / "vi" / "LC_MESSAGES" / "plugins.po").read_text(encoding="utf-8"))
    titles = {"Plugin", "Plugin registration"}
    assert len(msgids) > 30
    assert sorted((msgids | titles) - set(catalog)) == []
