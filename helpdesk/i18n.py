"""Interface language: Vietnamese by default, English second.

Source strings (msgids) are English. Translators edit gettext ``.po`` catalogs: every
``*.po`` under ``helpdesk/locale/<lang>/LC_MESSAGES/`` is one domain (one area of the
code), all merged; plugins add their own ``locale`` folder (same layout) with
:func:`add_catalog_dir`. The catalogs are read by the standard library's
:class:`gettext.GNUTranslations` from compiled ``.mo`` files:

* ``scripts/setup.sh`` compiles every core and built-in plugin ``.po`` with Babel into
  the ``.mo`` beside it (``python -m helpdesk.catalogs compile``; the ``.mo`` files are
  build output, not committed);
* at load, a ``.po`` whose ``.mo`` is missing or older (a third-party plugin that ships
  only ``.po`` files, or a catalog edited since set-up) is compiled with Babel into the
  user's cache folder, keyed by the ``.po``'s content, and that ``.mo`` is read; a
  ``.mo`` shipped without its ``.po`` is read as it is.

So nothing is parsed by hand, a plugin's ``.po`` always works, and a stale ``.mo``
never hides an edited translation. The core's catalogs come first in the lookup chain:
a plugin cannot change how a core message reads (or make it depend on load order).
Translations are returned in NFC.
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import hashlib
import os
import tempfile
import threading
import unicodedata
from pathlib import Path

DEFAULT_LANGUAGE = "vi"
LANGUAGES = ("vi", "en")

_lock = threading.Lock()
_language = os.environ.get("HELPDESK_LANG", DEFAULT_LANGUAGE)
_catalog_dirs: list[Path] = [Path(__file__).parent / "locale"]
_translations: dict[str, _gettext.NullTranslations] = {}
_catalogs: dict[str, dict[str, str]] = {}
#: top-level package of a plugin -> its locale folder: a plugin's own messages are
#: looked up in its own catalog first, so two plugins translating the same msgid
#: differently each keep their wording, whatever the load order.
_package_dirs: dict[str, Path] = {}
_package_translations: dict[tuple[str, str], _gettext.NullTranslations] = {}


def cache_dir() -> Path:
    """Where ``.po`` files without an up-to-date ``.mo`` are compiled to
    (``$HELPDESK_CACHE``, else the user's cache folder)."""
    configured = os.environ.get("HELPDESK_CACHE")
    if configured:
        return Path(configured) / "catalogs"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("helpdesk")) / "catalogs"


def _fresh(mo: Path, po: Path) -> bool:
    try:
        return mo.stat().st_mtime_ns >= po.stat().st_mtime_ns
    except OSError:
        return False


def _compiled(po: Path, language: str) -> bytes:
    """The ``.mo`` bytes for ``po``: from the cache, else compiled with Babel (and cached
    when the cache folder is writable)."""
    source = po.read_bytes()
    key = hashlib.sha256(language.encode() + b"\0" + source).hexdigest()[:32]
    target = cache_dir() / f"{po.stem}-{key}.mo"
    with contextlib.suppress(OSError):
        return target.read_bytes()
    from helpdesk.catalogs import compile_po_bytes  # Babel: only when something is stale

    data = compile_po_bytes(source, language, str(po))
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    return data


def compiled_catalogs(language: str, folders: list[Path] | None = None) -> list[tuple[Path, bytes]]:
    """``(source, .mo bytes)`` for every catalog of ``language``, core first, then the
    plugins' folders in the order they were added; domains in name order."""
    out: list[tuple[Path, bytes]] = []
    for base in list(_catalog_dirs) if folders is None else folders:
        folder = base / language / "LC_MESSAGES"
        if not folder.is_dir():
            continue
        stems = sorted({p.stem for p in folder.glob("*.po")} | {p.stem for p in folder.glob("*.mo")})
        for stem in stems:
            po, mo = folder / f"{stem}.po", folder / f"{stem}.mo"
            if po.is_file() and not _fresh(mo, po):
                out.append((po, _compiled(po, language)))
            else:
                out.append((mo, mo.read_bytes()))
    return out


def _load(language: str) -> _gettext.NullTranslations:
    import io

    chain = _gettext.NullTranslations()
    for _source, data in compiled_catalogs(language):
        chain.add_fallback(_gettext.GNUTranslations(io.BytesIO(data)))
    return chain


def add_catalog_dir(path: str | os.PathLike[str]) -> None:
    """Add a plugin's ``locale`` folder (same layout as the core's)."""
    folder = Path(path)
    with _lock:
        if folder not in _catalog_dirs:
            _catalog_dirs.append(folder)
            _package_dirs.setdefault(folder.parent.name, folder)
            _translations.clear()
            _catalogs.clear()
            _package_translations.clear()


def set_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {LANGUAGES}")
    global _language
    _language = language


def get_language() -> str:
    return _language


def translations(language: str) -> _gettext.NullTranslations:
    """The stdlib translations chain for ``language`` (built on first use)."""
    with _lock:
        found = _translations.get(language)
        if found is None:
            found = _translations[language] = (
                _load(language) if language != "en" else _gettext.NullTranslations()
            )
        return found


def catalog(language: str) -> dict[str, str]:
    """Every translated msgid of ``language`` → its text (NFC), first catalog wins.
    For checks and tools; the interface translates through :func:`gettext`."""
    with _lock:
        if language in _catalogs:
            return _catalogs[language]
    entries: dict[str, str] = {}
    if language != "en":
        from helpdesk.catalogs import read_mo_bytes

        for _source, data in compiled_catalogs(language):
            for msgid, text in read_mo_bytes(data).items():
                entries.setdefault(msgid, text)
    with _lock:
        return _catalogs.setdefault(language, entries)


def parse_po(text: str) -> dict[str, str]:
    """``{msgid: msgstr}`` of a ``.po`` file's text (read by Babel); fuzzy and untranslated
    entries are left out, translations are NFC."""
    from helpdesk.catalogs import read_po_text

    return read_po_text(text)


def _package_chain(language: str, package: str) -> _gettext.NullTranslations:
    """The package's own catalogs, falling back to the whole chain (core first)."""
    key = (language, package)
    with _lock:
        found = _package_translations.get(key)
        folder = _package_dirs.get(package)
    if found is not None:
        return found
    import io

    whole = translations(language)
    if folder is None:
        return whole
    chain = _gettext.NullTranslations()
    for _source, data in compiled_catalogs(language, [folder]):
        chain.add_fallback(_gettext.GNUTranslations(io.BytesIO(data)))
    chain.add_fallback(whole)
    with _lock:
        return _package_translations.setdefault(key, chain)


def gettext(message: str, package: str | None = None) -> str:
    """Translate an English msgid into the current language (NFC). The empty string
    stays empty (stdlib gettext would return the catalog's header for it).

    ``package``: the top-level package asking (a plugin's ``helpdesk_x``): its own
    catalog is looked up first."""
    if _language == "en" or not message:
        return message
    chain = _package_chain(_language, package) if package else translations(_language)
    return unicodedata.normalize("NFC", chain.gettext(message))


_ = gettext
