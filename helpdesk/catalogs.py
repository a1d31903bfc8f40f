"""Message catalogs with Babel: extract, check, update, compile (``python -m helpdesk.catalogs``).

:mod:`helpdesk.i18n` reads compiled ``.mo`` files with the standard library; this module
is the Babel side, imported only by tools, tests, ``scripts/setup.sh`` and when a
``.po`` has no up-to-date ``.mo``.

What counts as a message (msgid) in the code, found by Babel's Python extractor:

* the first argument of ``_(…)``, ``gettext(…)``, ``N_(…)``;
* the first argument of every :class:`helpdesk.errors.HelpdeskError` subclass —
  core or plugin, found from the class definitions — since the UI translates
  ``error.message``; and each such class's ``title = "…"``.

Commands (run from the checkout)::

    python -m helpdesk.catalogs compile [LOCALE_DIR ...]   # .po -> .mo beside it
    python -m helpdesk.catalogs extract -o messages.pot     # every msgid, with locations
    python -m helpdesk.catalogs check                       # msgids without Vietnamese; exit 1
    python -m helpdesk.catalogs update                      # add them (empty) to the right .po

``update`` appends each missing msgid, untranslated, to the ``.po`` of its catalog
folder whose messages already come from the same source file (else ``core.po`` /
the plugin's one ``.po``), leaving every existing entry and its formatting alone: the
core keeps one ``.po`` per area of the code, which ``pybabel update`` (one template per
domain) would fill with every area's messages.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import os
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
CORE_SOURCES = ROOT / "helpdesk"
CORE_LOCALE = CORE_SOURCES / "locale"
GETTEXT_KEYWORDS = ("_", "gettext", "N_")
BASE_ERROR = "HelpdeskError"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# -- reading and compiling ----------------------------------------------------------------


def _read_po(data: bytes, language: str | None, name: str) -> Catalog:
    try:
        return read_po(io.BytesIO(data), locale=language, abort_invalid=True, charset="utf-8")
    except Exception as exc:  # babel.messages.pofile.PoFileError, UnicodeDecodeError, ...
        raise ValueError(f"{name}: not a valid .po catalog: {exc}") from exc


def _translated(catalog: Catalog) -> Iterator[Message]:
    for message in catalog:
        if (
            message.id
            and isinstance(message.id, str)
            and isinstance(message.string, str)
            and message.string
            and not message.fuzzy
        ):
            yield message


def compile_po_bytes(source: bytes, language: str, name: str = "<po>") -> bytes:
    """A ``.po`` file's bytes → ``.mo`` bytes (Babel), translations in NFC, fuzzy
    entries left out."""
    catalog = _read_po(source, language, name)
    for message in _translated(catalog):
        message.string = _nfc(str(message.string))
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def read_mo_bytes(data: bytes) -> dict[str, str]:
    """``{msgid: text}`` of a ``.mo`` file's bytes (NFC)."""
    catalog = read_mo(io.BytesIO(data))
    return {str(m.id): _nfc(str(m.string)) for m in _translated(catalog)}


def read_po_text(text: str) -> dict[str, str]:
    """``{msgid: text}`` of a ``.po`` file's text: translated, not fuzzy, NFC."""
    catalog = _read_po(text.encode("utf-8"), None, "<po>")
    return {str(m.id): _nfc(str(m.string)) for m in _translated(catalog)}


def read_po_file(path: Path) -> dict[str, str]:
    return read_po_text(path.read_text(encoding="utf-8"))


def compile_dir(locale_dir: Path) -> list[Path]:
    """Compile every ``<lang>/LC_MESSAGES/*.po`` under ``locale_dir`` into the ``.mo``
    beside it (atomic replace); returns the ``.mo`` files written."""
    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        language = po.parents[1].name
        data = compile_po_bytes(po.read_bytes(), language, str(po))
        mo = po.with_suffix(".mo")
        with contextlib.suppress(OSError):
            if mo.read_bytes() == data:
                os.utime(mo)  # newer than the .po again
                written.append(mo)
                continue
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".mo", dir=po.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, mo)
        written.append(mo)
    return written


# -- where the messages are --------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """Source files and the catalog folders that translate them (core first)."""

    name: str
    sources: Path
    locale_dirs: tuple[Path, ...]


def areas(root: Path = ROOT) -> list[Area]:
    """The core, then each plugin of the checkout (``plugins/*/helpdesk_*`` with a
    ``locale`` folder or not): a plugin may use the core's translations too."""
    found = [Area("helpdesk", root / "helpdesk", (root / "helpdesk" / "locale",))]
    for package in sorted(root.glob("plugins/*/helpdesk_*")):
        if package.is_dir():
            found.append(Area(package.name, package, (found[0].locale_dirs[0], package / "locale")))
    return found


def _python_files(folders: Iterable[Path]) -> Iterator[Path]:
    for folder in folders:
        yield from sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _base_names(node: ast.ClassDef) -> set[str]:
    names = set()
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.add(base.id)
        elif isinstance(base, ast.Attribute):
            names.add(base.attr)
    return names


def error_classes(folders: Iterable[Path]) -> tuple[set[str], dict[str, tuple[str, int]]]:
    """Names of the :class:`HelpdeskError` subclasses defined in ``folders`` (by name,
    through any depth of subclassing), and their ``title = "…"`` → location."""
    classes: list[tuple[Path, ast.ClassDef]] = []
    aliases: list[tuple[str, str]] = []  # (new name, name it stands for): ``X = Error``, ``import Error as X``
    for path in _python_files(folders):
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                classes.append((path, node))
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
                aliases += [(t.id, node.value.id) for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.ImportFrom):
                aliases += [(a.asname, a.name) for a in node.names if a.asname]
    names = {BASE_ERROR}
    grew = True
    while grew:
        grew = False
        for _path, node in classes:
            if node.name not in names and _base_names(node) & names:
                names.add(node.name)
                grew = True
        for alias, original in aliases:
            if alias not in names and original in names:
                names.add(alias)
                grew = True
    titles: dict[str, tuple[str, int]] = {}
    for path, node in classes:
        if node.name not in names:
            continue
        for stmt in node.body:
            if (
                isinstance(stmt, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "title" for t in stmt.targets)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                titles.setdefault(stmt.value.value, (str(path), stmt.lineno))
    return names, titles


@dataclass
class Extracted:
    """msgid → where it is used (``path:line``)."""

    messages: dict[str, list[str]] = field(default_factory=dict)

    def add(self, msgid: str, where: str) -> None:
        self.messages.setdefault(msgid, []).append(where)


def extract(area: Area, errors: set[str], titles: dict[str, tuple[str, int]]) -> Extracted:
    """Every msgid used in ``area``'s Python files (Babel's extractor)."""
    keywords: dict[str, None] = dict.fromkeys([*GETTEXT_KEYWORDS, *sorted(errors)])
    found = Extracted()
    literals: dict[str, set[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        area.sources,
        method_map=[("**.py", "python")],
        keywords=keywords,
        directory_filter=lambda d: os.path.basename(d) != "__pycache__",
    ):
        if not isinstance(message, str) or not message:
            continue
        source = area.sources / filename
        if filename not in literals:
            tree = ast.parse(source.read_bytes(), filename=str(source))
            literals[filename] = {
                n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            }
        # Babel joins every literal inside the call: gettext("a" if x else "b") gives "ab",
        # which is no message. Only a literal of the file is one.
        if message in literals[filename]:
            found.add(message, f"{source}:{lineno}")
    for title, (path, line) in titles.items():
        if Path(path).is_relative_to(area.sources):
            found.add(title, f"{path}:{line}")
    return found


def translated(locale_dirs: Iterable[Path], language: str) -> dict[Path, dict[str, str]]:
    """Each ``.po`` of ``language`` in ``locale_dirs`` → its translated entries."""
    return {
        po: read_po_file(po)
        for base in locale_dirs
        for po in sorted((base / language / "LC_MESSAGES").glob("*.po"))
    }


@dataclass(frozen=True)
class Missing:
    msgid: str
    where: tuple[str, ...]
    area: Area


def missing(language: str = "vi", root: Path = ROOT) -> list[Missing]:
    """msgids used in the code that no catalog of their area translates into ``language``."""
    all_areas = areas(root)
    errors, titles = error_classes(a.sources for a in all_areas)
    out = []
    for area in all_areas:
        known = set().union(*translated(area.locale_dirs, language).values())
        for msgid, where in sorted(extract(area, errors, titles).messages.items()):
            if msgid not in known:
                out.append(Missing(msgid, tuple(where), area))
    return out


def _po_entry(msgid: str, where: Iterable[str], root: Path) -> str:
    catalog = Catalog(charset="utf-8")
    locations = []
    for place in where:
        path, _, line = place.rpartition(":")
        with contextlib.suppress(ValueError):
            path = str(Path(path).relative_to(root))
        locations.append((path, int(line)))
    catalog.add(msgid, "", locations=locations)
    out = io.BytesIO()
    write_po(out, catalog, omit_header=True, width=0)
    return out.getvalue().decode("utf-8").strip("\n")


def update(language: str = "vi", root: Path = ROOT) -> dict[Path, int]:
    """Append each missing msgid, untranslated, to the ``.po`` of its area whose existing
    messages come from the same source file (else the area's first: ``core.po`` for the
    core). Returns how many were added per file."""
    added: dict[Path, int] = {}
    all_areas = areas(root)
    errors, titles = error_classes(a.sources for a in all_areas)
    for area in all_areas:
        own = area.locale_dirs[-1] / language / "LC_MESSAGES"
        files = sorted(own.glob("*.po"))
        if not files:
            own.mkdir(parents=True, exist_ok=True)
            files = [own / f"{area.name.removeprefix('helpdesk_')}.po"]
            files[0].write_text(
                f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: {language}\\n"\n',
                encoding="utf-8",
            )
        known = set().union(*translated(area.locale_dirs, language).values())
        present = {po: set(read_po_all(po)) for po in files}
        extracted = extract(area, errors, titles).messages
        home: dict[str, Path] = {}  # source file -> the .po holding most of its messages
        votes: dict[str, dict[Path, int]] = {}
        for msgid, where in extracted.items():
            for po, ids in present.items():
                if msgid in ids:
                    for place in where:
                        source = place.rpartition(":")[0]
                        votes.setdefault(source, {}).setdefault(po, 0)
                        votes[source][po] += 1
        for source, counts in votes.items():
            home[source] = max(counts, key=lambda po: counts[po])
        default = next((po for po in files if po.stem == "core"), files[0])
        for msgid, where in sorted(extracted.items()):
            if msgid in known or any(msgid in ids for ids in present.values()):
                continue
            target = next((home[s] for s in (p.rpartition(":")[0] for p in where) if s in home), default)
            with target.open("a", encoding="utf-8") as handle:
                handle.write("\n" + _po_entry(msgid, where, root) + "\n")
            added[target] = added.get(target, 0) + 1
    return added


def read_po_all(path: Path) -> dict[str, str]:
    """Every msgid of a ``.po`` file, translated or not."""
    catalog = _read_po(path.read_bytes(), None, str(path))
    return {str(m.id): str(m.string or "") for m in catalog if m.id and isinstance(m.id, str)}


def write_template(out: Path, root: Path = ROOT) -> int:
    """Every msgid of the checkout, with locations, as a ``.pot`` for translators."""
    all_areas = areas(root)
    errors, titles = error_classes(a.sources for a in all_areas)
    template = Catalog(project="helpdesk", charset="utf-8")
    for area in all_areas:
        for msgid, where in extract(area, errors, titles).messages.items():
            locations = [(str(Path(p.rpartition(":")[0]).relative_to(root)), int(p.rpartition(":")[2]))
                         for p in where]
            template.add(msgid, locations=locations)
    with out.open("wb") as handle:
        write_po(handle, template, width=0)
    return len(template)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpdesk.catalogs", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    compile_cmd = commands.add_parser("compile", help=".po -> .mo beside it (core and plugins by default)")
    compile_cmd.add_argument("dirs", nargs="*", type=Path)
    extract_cmd = commands.add_parser("extract", help="write every msgid to a .pot")
    extract_cmd.add_argument("-o", "--output", type=Path, required=True)
    commands.add_parser("check", help="list msgids without a Vietnamese translation (exit 1)")
    commands.add_parser("update", help="add missing msgids, untranslated, to the right .po")
    args = parser.parse_args(argv)
    if args.command == "compile":
        dirs = args.dirs or [d for a in areas() for d in a.locale_dirs[-1:] if d.is_dir()]
        count = sum(len(compile_dir(d)) for d in dirs)
        print(f"catalogs: {count} .mo files up to date")
    elif args.command == "extract":
        print(f"catalogs: {write_template(args.output)} messages in {args.output}")
    elif args.command == "check":
        gaps = missing()
        for gap in gaps:
            print(f"{gap.where[0]}: no Vietnamese translation for {gap.msgid!r}")
        return 1 if gaps else 0
    else:
        for po, count in update().items():
            print(f"catalogs: {count} new msgids in {po.relative_to(ROOT)} (translate them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
