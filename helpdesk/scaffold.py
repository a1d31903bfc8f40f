"""``helpdesk plugin new NAME``: a new plugin that works from the first minute.

It writes ``NAME/pyproject.toml`` (entry point in group ``helpdesk``) and a package
``helpdesk_NAME`` built only on :mod:`helpdesk.extension`: a workflow screen, a record
type with its validator, a registered form, a Vietnamese catalog, and a passing test.
``pip install -e NAME`` and it shows in ``helpdesk plugins`` and on the kiosk's menu.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path
from string import Template

from helpdesk.errors import HelpdeskError

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


class ScaffoldError(HelpdeskError):
    title = "New plugin"


FILES: dict[str, str] = {
    "pyproject.toml": '''\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "helpdesk-$dash"
version = "0.1.0"
description = "$title_en (a helpdesk kiosk plugin)"
requires-python = ">=3.11"
dependencies = ["helpdesk"]

[project.entry-points.helpdesk]
$name = "helpdesk_$name.plugin"

[tool.setuptools.packages.find]
include = ["helpdesk_$name*"]

[project.optional-dependencies]
test = ["pytest>=8", "pytest-asyncio>=0.24"]

[tool.setuptools.package-data]
helpdesk_$name = ["py.typed", "locale/*/LC_MESSAGES/*.po"]

[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
''',
    "README.md": '''\
# helpdesk-$dash

A workflow for the helpdesk kiosk: "$title_vi" ($title_en).

```sh
pip install -e .           # then: helpdesk plugins
pytest tests               # the plugin's own tests (real store, real app under Pilot)
```

Built only on `helpdesk.extension` — see the kiosk's docs/plugins.md.
''',
    "helpdesk_$name/__init__.py": '''\
"""$title_en: a helpdesk kiosk plugin."""

__version__ = "0.1.0"
''',
    "helpdesk_$name/py.typed": "",
    "helpdesk_$name/plugin.py": '''\
"""What the plugin brings (the entry point names this module)."""

from __future__ import annotations

from pathlib import Path

from helpdesk.extension import PluginSpec, RecordTypeSpec, Workflow

RECORD_TYPE = "$name.note"
FORM = "$name.note"
HELPDESK_API = ">=1.0,<2"  # plugin API versions supported (helpdesk.extension.API_VERSION)

spec = PluginSpec(
    workflows=(Workflow("$name", "$title_vi", "$title_en", screen="helpdesk_$name.screens:NoteScreen",
                        needs_token=False, order=200),),
    record_types=(RecordTypeSpec(RECORD_TYPE, "helpdesk_$name.records:validate", "$title_en: a note"),),
    forms={FORM: "helpdesk_$name.form:build"},
    locale=Path(__file__).parent / "locale",
)
spec.install(globals())
''',
    "helpdesk_$name/records.py": '''\
"""The record this plugin saves, and what a valid one holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpdesk.extension import Printed, Record, WorkflowContext

SERIES = "$series"


def validate(payload: Mapping[str, Any]) -> list[str]:
    problems = []
    if not isinstance(payload.get("text"), str) or not payload["text"].strip():
        problems.append("text is required")
    if not isinstance(payload.get("seq"), int):
        problems.append("seq is required")
    return problems


def save_note(ctx: WorkflowContext, text: str, print_it: bool = False) -> tuple[Record, Printed | None]:
    """Blocking (run it in a job): a numbered record, its form archived (and printed)."""
    from helpdesk_$name.plugin import FORM, RECORD_TYPE

    with ctx.next_number(SERIES) as number:
        record = ctx.commit(RECORD_TYPE, None, {"text": text.strip(), "number": ctx.number_text(number),
                                                "seq": number.seq}, number=number)
    pdf = ctx.forms.render(FORM, record)
    if print_it:
        return record, ctx.print(pdf, kind="$dash", key=record.id, title=record.payload["number"])
    ctx.archive(pdf, "$dash", record.id)
    return record, None
''',
    "helpdesk_$name/form.py": '''\
"""The printed note (Nghị định 30 layout)."""

from __future__ import annotations

from datetime import date

from helpdesk.extension import FormDocument, Organisation, Record


def build(org: Organisation, record: Record) -> FormDocument:
    doc = FormDocument(org, number=record.payload["number"], title="$title_upper",
                       date=date.fromisoformat(record.time[:10]))
    doc.paragraph(record.payload["text"])
    doc.signatures([("Người lập", record.operator)])
    return doc
''',
    "helpdesk_$name/screens.py": '''\
"""The workflow screen: type a note, F9 saves it (numbered) and archives its form."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from helpdesk.extension import Printed, Record, WorkflowScreen, _
from helpdesk_$name.records import save_note


class NoteScreen(WorkflowScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "save", "Save", priority=True),
        Binding("escape", "close", "Back", priority=True),
    ]

    def compose(self) -> ComposeResult:
        yield Static(_("$title_en"), classes="title")
        yield Input(placeholder=_("Note"), id="text")
        yield self.status_line()
        yield self.footer()

    def action_save(self) -> None:
        self.status(_("Saving…"))
        self.run_job(save_note, self.ctx, self.query_one("#text", Input).value, done=self.saved)

    def saved(self, result: tuple[Record, Printed | None]) -> None:
        record, _printed = result
        self.status(_("Saved: {number}").format(number=record.payload["number"]), "ok")
''',
    "helpdesk_$name/locale/vi/LC_MESSAGES/$name.po": '''\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "$title_en"
msgstr "$title_vi"

msgid "Note"
msgstr "Ghi chú"

msgid "Saving…"
msgstr "Đang lưu…"

msgid "Saved: {number}"
msgstr "Đã lưu: {number}"

msgid "Save"
msgstr "Lưu"

msgid "Back"
msgstr "Quay lại"
''',
    "tests/test_$name.py": '''\
"""The plugin's own test: a note saved from its screen, numbered, archived, on record."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

import helpdesk_$name.plugin as plugin
from helpdesk.testing.fixtures_e2e import log_in, wait_until
from helpdesk_$name.screens import NoteScreen


async def test_a_note_is_saved_numbered_and_archived(kiosk_app: Any, make_operator: Any, register_plugin: Any,
                                                     kiosk_store: Any, kiosk_settings: Any) -> None:
    register_plugin(plugin, "$name")
    make_operator()
    app = kiosk_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot)
        app.open_workflow("$name")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen) and app.screen.query("#text"),
                         what="the workflow")
        screen = app.screen
        assert isinstance(screen, NoteScreen)
        screen.query_one("#text", Input).value = "Kiểm tra thiết bị đầu ca"
        await pilot.press("f9")
        await wait_until(pilot, lambda: "1/$series-" in screen.status_text, what="the saved note")
    (record,) = kiosk_store.records(plugin.RECORD_TYPE)
    assert record.payload["text"] == "Kiểm tra thiết bị đầu ca"
    assert list(kiosk_settings.archive_dir.rglob("$dash-*.pdf"))
''',
}


def create_plugin(name: str, directory: Path, *, title_vi: str = "", title_en: str = "") -> Path:
    """Write the plugin ``name`` into ``directory/name``; refuses to overwrite anything."""
    if not _NAME.match(name) or keyword.iskeyword(name):
        raise ScaffoldError("Bad plugin name {name!r}: 2–31 lower-case letters, digits or '_', starting with a letter",
                            name=name)
    root = directory / name
    if root.exists():
        raise ScaffoldError("{path} already exists; nothing was written", path=str(root))
    title_en = title_en or name.replace("_", " ").capitalize()
    title_vi = title_vi or title_en
    values = {"name": name, "dash": name.replace("_", "-"), "title_vi": title_vi, "title_en": title_en,
              "title_upper": title_vi.upper(), "series": name[:2].upper()}
    for relative, text in FILES.items():
        path = root / Template(relative).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(text).substitute(values), encoding="utf-8")
    return root
