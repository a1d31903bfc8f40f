"""Interface language: Vietnamese by default, English second.

Source strings (msgids) are English. Translations live in gettext ``.po`` catalogs:
every ``*.po`` file under ``helpdesk/locale/<lang>/LC_MESSAGES/`` is merged into one
catalog, so each area of the code keeps its own file. Plugins add their own locale
folder with :func:`add_catalog_dir`. The ``.po`` files are read directly (a few
hundred entries parse in about a millisecond), so there is no compile step to forget.
"""

from __future__ import annotations

import ast
import os
import threading
import unicodedata
from pathlib import Path

DEFAULT_LANGUAGE = "vi"
LANGUAGES = ("vi", "en")

_lock = threading.Lock()
_language = os.environ.get("HELPDESK_LANG", DEFAULT_LANGUAGE)
_catalog_dirs: list[Path] = [Path(__file__).parent / "locale"]
_catalogs: dict[str, dict[str, str]] = {}


def parse_po(text: str) -> dict[str, str]:
    """Parse a gettext .po file into ``{msgid: msgstr}``; fuzzy and empty entries are skipped."""
    entries: dict[str, str] = {}
    msgid: list[str] = []
    msgstr: list[str] = []
    current: list[str] | None = None
    fuzzy = False

    def flush() -> None:
        nonlocal fuzzy
        key, value = "".join(msgid), "".join(msgstr)
        if key and value and not fuzzy:
            entries[key] = unicodedata.normalize("NFC", value)
        msgid.clear()
        msgstr.clear()
        fuzzy = False

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            if msgstr:
                flush()
            fuzzy = True
        elif line.startswith("msgid "):
            if msgstr:
                flush()
            current = msgid
            current.append(ast.literal_eval(line[6:]))
        elif line.startswith("msgstr "):
            current = msgstr
            current.append(ast.literal_eval(line[7:]))
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
        elif not line:
            if msgstr:
                flush()
            current = None
    if msgstr:
        flush()
    return entries


def _load(language: str) -> dict[str, str]:
    catalog: dict[str, str] = {}
    for base in _catalog_dirs:
        folder = base / language / "LC_MESSAGES"
        if folder.is_dir():
            for po in sorted(folder.glob("*.po")):
                for msgid, text in parse_po(po.read_text(encoding="utf-8")).items():
                    # First wins: the core's catalog is read first, so a plugin cannot
                    # change how a core message reads (or make it depend on load order).
                    catalog.setdefault(msgid, text)
    return catalog


def add_catalog_dir(path: str | os.PathLike[str]) -> None:
    """Add a plugin's ``locale`` folder (same layout as the core's)."""
    folder = Path(path)
    with _lock:
        if folder not in _catalog_dirs:
            _catalog_dirs.append(folder)
            _catalogs.clear()


def set_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {LANGUAGES}")
    global _language
    _language = language


def get_language() -> str:
    return _language


def catalog(language: str) -> dict[str, str]:
    with _lock:
        if language not in _catalogs:
            _catalogs[language] = _load(language) if language != "en" else {}
        return _catalogs[language]


def gettext(message: str) -> str:
    """Translate an English msgid into the current language (NFC)."""
    if _language == "en":
        return message
    return catalog(_language).get(message, message)


_ = gettext
