"""No import circle in ``helpdesk/``.

The graph counts imports at module level and inside functions (a lazy import still
ties two modules together; it only hides the circle from Python); imports under
``if TYPE_CHECKING:`` are left out (they never run). A failure prints each circle.
"""

from __future__ import annotations

from pathlib import Path

from import_graph import cycles, module_graph

HELPDESK = Path(__file__).resolve().parents[1] / "helpdesk"


def describe(graph: dict[str, set[str]]) -> str:
    return "\n".join(" -> ".join(cycle) for cycle in cycles(graph))


def test_no_import_cycle_in_helpdesk() -> None:
    graph = module_graph(HELPDESK)
    assert len(graph) > 100 and "helpdesk.app" in graph  # the scan found the package
    found = describe(graph)
    assert not found, "import circles in helpdesk/ (break each one):\n" + found


def test_the_check_finds_a_circle_through_a_function_level_import(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "screens").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "screens" / "__init__.py").write_text("")
    (package / "app.py").write_text("from pkg.screens.home import Home\n")
    (package / "screens" / "home.py").write_text("from .base import Base\n")
    (package / "screens" / "base.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pkg.app import App  # not an edge\n"
        "def app():\n    from pkg import app  # an edge, though lazy\n    return app\n")
    (package / "typed.py").write_text(
        "import typing\nif typing.TYPE_CHECKING:\n    import pkg.app\n")

    graph = module_graph(package)
    assert graph["pkg.screens.base"] == {"pkg.app"} and graph["pkg.typed"] == set()
    assert describe(graph) == "pkg.app -> pkg.screens.home -> pkg.screens.base -> pkg.app"
