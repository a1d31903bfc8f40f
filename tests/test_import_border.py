"""The border between the core and the plugins, checked over the source (``ast``).

- A plugin package (``plugins/*/helpdesk_*/``, and the example third-party plugins
  ``examples/*/helpdesk_*/``) imports from the core only ``helpdesk.extension`` and
  ``from helpdesk import hookimpl``.
- Everything else in a plugin's folder (tests, conftest) may also import
  ``helpdesk.testing`` and ``helpdesk.testing.*``.
- The core (``helpdesk/``) never imports a plugin package (``helpdesk_*``), and never
  the door itself: ``helpdesk.extension`` sits on top of the core.

Every import counts: at module level, inside functions, literal
``importlib.import_module("…")`` calls and imports under ``if TYPE_CHECKING:`` (a
type named from an internal module ties the plugin to it as much as a run-time import).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from import_graph import Import, imports, module_name, python_files

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_ROOTS = (ROOT / "plugins", ROOT / "examples")
CORE = ROOT / "helpdesk"

#: What ``from helpdesk import …`` may bring into a plugin.
FROM_HELPDESK = frozenset({"hookimpl", "extension", "__version__"})
DOOR = "helpdesk.extension"
TESTING = "helpdesk.testing"

#: Plugins still crossing the border, each with the reason (xfail, strict: once it is
#: clean the test fails until the entry is removed).
KNOWN_CROSSINGS: dict[str, str] = {}


@dataclass(frozen=True)
class Crossing:
    file: Path
    line: int
    imported: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: imports {self.imported}"


def _is_core(module: str) -> bool:
    return module == "helpdesk" or module.startswith("helpdesk.")


def _plugin_may_import(imp: Import, *, test_code: bool) -> bool:
    module = imp.module
    if not _is_core(module):
        return True
    if module == "helpdesk":  # `import helpdesk` (for helpdesk.hookimpl) or `from helpdesk import hookimpl`
        return imp.name is None or imp.name in FROM_HELPDESK
    if module == DOOR:
        return True
    return test_code and (module == TESTING or module.startswith(TESTING + "."))


def file_crossings(path: Path, root: Path, *, test_code: bool) -> list[Crossing]:
    """Imports of core internals in one plugin file (``root``: where its modules are named from)."""
    found = []
    for imp in imports(path, module_name(path, root), type_checking=True):
        if not _plugin_may_import(imp, test_code=test_code):
            shown = f"{imp.module}.{imp.name}" if imp.module == "helpdesk" else imp.module
            found.append(Crossing(path.relative_to(root.parent.parent), imp.line, shown))
    return found


def plugin_crossings(plugin_dir: Path) -> list[Crossing]:
    """Imports of core internals in one plugin folder (its package and its tests)."""
    found = []
    for path in python_files(plugin_dir):
        relative = path.relative_to(plugin_dir)
        in_package = relative.parts[0].startswith("helpdesk_") and len(relative.parts) > 1
        found += file_crossings(path, plugin_dir, test_code=not in_package)
    return found


def core_crossings(core_dir: Path) -> list[Crossing]:
    """Imports of a plugin package, or of the door, anywhere in the core."""
    found = []
    for path in python_files(core_dir):
        name = module_name(path, core_dir.parent)
        for imp in imports(path, name, type_checking=True):
            top = imp.module.split(".")[0]
            plugin_package = top.startswith("helpdesk_") or (imp.module == "helpdesk" and (imp.name or "").startswith("helpdesk_"))
            door = name != DOOR and (imp.module == DOOR or (imp.module == "helpdesk" and imp.name == "extension"))
            if plugin_package or door:
                found.append(Crossing(path.relative_to(core_dir.parent), imp.line, imp.module))
    return found


def _report(crossings: list[Crossing]) -> str:
    return "\n".join(map(str, crossings))


def _plugin_params() -> list[object]:
    folders = sorted(p for root in PLUGIN_ROOTS if root.is_dir() for p in root.iterdir()
                     if p.is_dir() and any(p.glob("helpdesk_*/__init__.py")))
    return [
        pytest.param(folder, id=f"{folder.parent.name}/{folder.name}",
                     marks=pytest.mark.xfail(strict=True, reason=KNOWN_CROSSINGS[folder.name]))
        if folder.name in KNOWN_CROSSINGS else pytest.param(folder, id=f"{folder.parent.name}/{folder.name}")
        for folder in folders
    ]


@pytest.mark.parametrize("plugin_dir", _plugin_params())
def test_plugin_imports_only_the_door(plugin_dir: Path) -> None:
    crossings = plugin_crossings(plugin_dir)
    assert not crossings, (
        f"plugin {plugin_dir.name} imports core internals; use helpdesk.extension "
        f"(tests: also helpdesk.testing):\n{_report(crossings)}")


def test_the_plugin_written_from_the_docs_imports_only_the_door() -> None:
    """``tests/door/*plugin*.py``: plugins kept under tests/, checked as plugin code."""
    crossings = [c for path in sorted((ROOT / "tests" / "door").glob("*plugin*.py"))
                 for c in file_crossings(path, path.parent, test_code=False)]
    assert not crossings, f"a door plugin imports core internals:\n{_report(crossings)}"


def test_core_imports_no_plugin_and_not_the_door() -> None:
    crossings = core_crossings(CORE)
    assert not crossings, f"the core imports a plugin package or helpdesk.extension:\n{_report(crossings)}"


def test_every_plugin_folder_is_checked() -> None:
    checked = {p.values[0].name for p in _plugin_params()}  # type: ignore[attr-defined]
    assert {"handover", "pin_unlock", "inventory"} <= checked
    assert set(KNOWN_CROSSINGS) <= checked  # no stale entry for a plugin that is gone


# ---------------------------------------------------------------- the check itself fails
def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_deliberate_bad_import_in_a_plugin_fails_the_check(tmp_path: Path) -> None:
    plugin = tmp_path / "plugins" / "bad"
    _write(plugin / "helpdesk_bad" / "__init__.py", "import helpdesk\nfrom helpdesk import hookimpl\n")
    _write(plugin / "helpdesk_bad" / "good.py", "from helpdesk.extension import Workflow, _\n")
    _write(plugin / "helpdesk_bad" / "store.py", "from helpdesk.store import Store\n")
    _write(plugin / "helpdesk_bad" / "lazy.py",
           "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from helpdesk.extension import Store\n"
           "    from helpdesk.store import Record\n"
           "def load():\n    from helpdesk.tokens import pkcs11  # lazy still counts\n"
           "    import importlib\n    return importlib.import_module('helpdesk.kiosk')\n")
    _write(plugin / "helpdesk_bad" / "relative.py", "from helpdesk import i18n\nfrom . import store\n")
    _write(plugin / "helpdesk_bad" / "kit.py", "from helpdesk.testing.kit import make_app\n")  # tests only
    _write(plugin / "tests" / "test_bad.py",
           "from helpdesk.testing.kit import make_app\nfrom helpdesk.testing import pdftools\n"
           "from helpdesk.extension import Store\nfrom helpdesk.app import HelpdeskApp\n")

    found = sorted(str(c) for c in plugin_crossings(plugin))
    assert found == [
        "plugins/bad/helpdesk_bad/kit.py:1: imports helpdesk.testing.kit",
        "plugins/bad/helpdesk_bad/lazy.py:4: imports helpdesk.store",
        "plugins/bad/helpdesk_bad/lazy.py:6: imports helpdesk.tokens",
        "plugins/bad/helpdesk_bad/lazy.py:8: imports helpdesk.kiosk",
        "plugins/bad/helpdesk_bad/relative.py:1: imports helpdesk.i18n",
        "plugins/bad/helpdesk_bad/store.py:1: imports helpdesk.store",
        "plugins/bad/tests/test_bad.py:4: imports helpdesk.app",
    ]
    with pytest.raises(AssertionError, match=r"helpdesk_bad/store.py:1: imports helpdesk.store"):
        test_plugin_imports_only_the_door(plugin)


def test_a_core_module_importing_a_plugin_or_the_door_fails_the_check(tmp_path: Path) -> None:
    core = tmp_path / "helpdesk"
    _write(core / "__init__.py", "")
    _write(core / "extension.py", "import importlib\n")
    _write(core / "demo.py", "def seed():\n    from helpdesk_handover.roster import import_roster\n")
    _write(core / "cli.py", "import importlib\nimportlib.import_module('helpdesk_training')\n")
    _write(core / "store.py", "from helpdesk.extension import Workflow\n")
    _write(core / "typed.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import helpdesk_pdf_sign\n")
    _write(core / "fine.py", "import importlib\nfrom helpdesk import hookimpl\nfrom helpdesk.store import Store\n")

    assert sorted(str(c) for c in core_crossings(core)) == [
        "helpdesk/cli.py:2: imports helpdesk_training",
        "helpdesk/demo.py:2: imports helpdesk_handover.roster",
        "helpdesk/store.py:1: imports helpdesk.extension",
        "helpdesk/typed.py:3: imports helpdesk_pdf_sign",
    ]
