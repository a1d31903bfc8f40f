"""Reference completeness: every hook and every public name of ``helpdesk.extension`` is
documented (docs/hooks.md, docs/plugins.md) and exercised by some test.

"Exercised" is a static check: the name occurs in a test module under ``tests/``,
``plugins/*/tests`` or ``examples/*/tests``. Hook sections must give the signature,
when the hook is called, whether it is firstresult (matching the spec), and what a
raise does.
"""

from __future__ import annotations

import ast
import inspect
import re
from functools import cache
from pathlib import Path

import pytest

import helpdesk.extension as door
from helpdesk import hookspecs
from helpdesk.plugins import ESSENTIAL_PLUGINS, HOOK_NAMES

ROOT = Path(__file__).resolve().parents[2]
HOOKS_DOC = ROOT / "docs" / "hooks.md"
PLUGINS_DOC = ROOT / "docs" / "plugins.md"
PUBLIC = [name for name in door.__all__ if name != "_"]


@cache
def docs_text() -> str:
    return PLUGINS_DOC.read_text(encoding="utf-8") + HOOKS_DOC.read_text(encoding="utf-8")


@cache
def sources_of_tests() -> str:
    files = [*(ROOT / "tests").rglob("*.py"), *ROOT.glob("plugins/*/tests/**/*.py"),
             *ROOT.glob("examples/*/tests/**/*.py")]
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


@cache
def hook_sections() -> dict[str, str]:
    parts = re.split(r"(?m)^## (helpdesk_\w+)\n", HOOKS_DOC.read_text(encoding="utf-8"))
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_door_has_public_names() -> None:
    assert len(PUBLIC) > 80 and "API_VERSION" in PUBLIC and "hookimpl" in PUBLIC


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_is_documented(name: str) -> None:
    assert mentions(docs_text(), name), f"helpdesk.extension.{name} is in neither docs/plugins.md nor docs/hooks.md"


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_is_exercised_by_a_test(name: str) -> None:
    assert mentions(sources_of_tests(), name), f"no test under tests/, plugins/*/tests or examples/*/tests uses {name}"


def test_the_translator_is_documented_and_used() -> None:
    assert "_(\"English msgid\")" in docs_text()
    assert re.search(r"from helpdesk\.extension import [^\n]*\b_\b", sources_of_tests())


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_section_gives_signature_call_time_firstresult_and_raise(hook: str) -> None:
    section = hook_sections()[hook]
    spec = getattr(hookspecs, hook)
    signature = re.search(rf"```python\n@hookimpl\n(def {hook}\(.*?)\n```", section, re.DOTALL)
    assert signature, f"{hook}: no signature block"
    [function] = ast.parse(signature.group(1) + ": ...").body
    assert isinstance(function, ast.FunctionDef)
    documented = [arg.arg for arg in function.args.args]
    assert documented == list(inspect.signature(spec).parameters), f"{hook}: documented arguments differ from the spec"
    assert "**Called**" in section, f"{hook}: say when it is called"
    assert "**If it raises**" in section, f"{hook}: say what a raise does"
    firstresult = bool(spec.helpdesk_spec.get("firstresult"))
    said = re.search(r"\*\*firstresult\*\*: (yes|no)", section)
    assert said and (said.group(1) == "yes") == firstresult, f"{hook}: firstresult is {firstresult}"
    historic = bool(spec.helpdesk_spec.get("historic"))
    assert ("historic" in section.lower()) == historic or not historic


def test_hook_reference_names_the_core_plugin() -> None:
    text = HOOKS_DOC.read_text(encoding="utf-8")
    assert ESSENTIAL_PLUGINS == {"core": "helpdesk.commands.builtin"}
    assert "`core`" in text and "helpdesk/commands/builtin.py" in text and "cannot be blocked" in text


def test_documented_guards_match_the_code() -> None:
    from helpdesk.plugins.budget import DEFAULT_HOOK_TIMEOUT, UI_WAIT
    from helpdesk.plugins.manager import COPIED_ARGUMENTS, ENV_TIMEOUT, INLINE_HOOKS

    text = docs_text()
    assert f"{DEFAULT_HOOK_TIMEOUT:g} s" in text and f"{UI_WAIT:g} s" in text and ENV_TIMEOUT in text
    for hook in INLINE_HOOKS | COPIED_ARGUMENTS:
        assert hook in PLUGINS_DOC.read_text(encoding="utf-8")
