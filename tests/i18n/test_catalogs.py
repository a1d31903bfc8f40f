"""Catalogs: Babel compiles, stdlib gettext reads; every msgid in the code has Vietnamese."""

from __future__ import annotations

import gettext
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk import catalogs, i18n

PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: vi\\n"\n\n'


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The module's catalog folders as they were, empty caches, a private .mo cache."""
    monkeypatch.setattr(i18n, "_catalog_dirs", list(i18n._catalog_dirs))
    monkeypatch.setattr(i18n, "_package_dirs", dict(i18n._package_dirs))
    monkeypatch.setattr(i18n, "_package_translations", {})
    monkeypatch.setenv("HELPDESK_CACHE", str(tmp_path / "cache"))
    i18n._translations.clear()
    i18n._catalogs.clear()
    yield tmp_path / "cache" / "catalogs"
    i18n._translations.clear()
    i18n._catalogs.clear()


def write_po(folder: Path, domain: str, entries: str, header: bool = True) -> Path:
    target = folder / "vi" / "LC_MESSAGES" / f"{domain}.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text((PO_HEADER if header else "") + entries, encoding="utf-8")
    return target


def test_every_msgid_in_the_code_has_a_vietnamese_translation() -> None:
    """Core and plugins: ``_()``/``gettext()`` arguments, HelpdeskError messages and titles
    (extracted by Babel), each translated by a catalog of its area."""
    gaps = catalogs.missing("vi")
    assert [f"{g.where[0]}: {g.msgid}" for g in gaps] == []


def test_the_check_sees_the_kinds_of_msgid(tmp_path: Path) -> None:
    pkg = tmp_path / "helpdesk"
    pkg.mkdir()
    (pkg / "errors.py").write_text(
        "class HelpdeskError(Exception):\n    title = 'Error'\n"
        "class DeskError(HelpdeskError):\n    title = 'Desk trouble'\n",
        encoding="utf-8",
    )
    (pkg / "use.py").write_text(
        "from helpdesk import errors\nfrom helpdesk.i18n import _, gettext\n"
        "class DeeperError(errors.DeskError):\n    pass\n"
        "def f(x):\n"
        "    _('Hello {name}').format(name=x)\n"
        "    gettext('token serial' if x else 'certificate')\n"  # Babel would join these
        "    raise DeeperError('The desk is ' 'closed ({n})', n=1)\n"
        "    raise ValueError('not for the operator')\n",
        encoding="utf-8",
    )
    write_po(pkg / "locale", "core", 'msgid "Error"\nmsgstr "Lỗi"\n\nmsgid "Hello {name}"\nmsgstr "Chào {name}"\n')
    found = {m.msgid for m in catalogs.missing("vi", root=tmp_path)}
    assert found == {"Desk trouble", "The desk is closed ({n})"}

    added = catalogs.update("vi", root=tmp_path)
    assert added == {pkg / "locale" / "vi" / "LC_MESSAGES" / "core.po": 2}
    text = (pkg / "locale" / "vi" / "LC_MESSAGES" / "core.po").read_text(encoding="utf-8")
    assert '#: helpdesk/use.py:8\n#, python-brace-format\nmsgid "The desk is closed ({n})"\nmsgstr ""' in text
    assert text.startswith(PO_HEADER + 'msgid "Error"')  # existing entries untouched
    assert {m.msgid for m in catalogs.missing("vi", root=tmp_path)} == found  # still untranslated


def test_setup_compiles_mo_files_that_stdlib_gettext_reads(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    write_po(locale, "demo", 'msgid "Demo printer"\nmsgstr "Máy in"\n\n#, fuzzy\nmsgid "Paper"\nmsgstr "Giấy?"\n')
    assert catalogs.compile_dir(locale) == [locale / "vi" / "LC_MESSAGES" / "demo.mo"]
    translation = gettext.translation("demo", localedir=locale, languages=["vi"])
    assert translation.gettext("Demo printer") == "Máy in"
    assert translation.gettext("Paper") == "Paper"  # fuzzy: not used


def test_a_plugin_shipping_only_a_po_works(fresh: Path, tmp_path: Path) -> None:
    """No header, no .mo, a read-only folder: compiled on load into the cache."""
    locale = tmp_path / "plugin" / "locale"
    po = write_po(locale, "plugin", 'msgid "Third-party greeting"\nmsgstr "Xin chào bên thứ ba"\n', header=False)
    po.parent.chmod(0o555)
    try:
        assert i18n.gettext("Third-party greeting") == "Third-party greeting"
        i18n.add_catalog_dir(locale)
        assert i18n.gettext("Third-party greeting") == "Xin chào bên thứ ba"
        assert i18n.catalog("vi")["Third-party greeting"] == "Xin chào bên thứ ba"
    finally:
        po.parent.chmod(0o755)
    assert not list(po.parent.glob("*.mo"))
    assert len(list(fresh.glob("plugin-*.mo"))) == 1


def test_an_edited_po_wins_over_its_stale_mo(fresh: Path, tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    po = write_po(locale, "demo", 'msgid "Demo printer"\nmsgstr "Máy in cũ"\n')
    catalogs.compile_dir(locale)
    i18n.add_catalog_dir(locale)
    assert i18n.gettext("Demo printer") == "Máy in cũ"
    po.write_text(PO_HEADER + 'msgid "Demo printer"\nmsgstr "Máy in mới"\n', encoding="utf-8")
    mo = po.with_suffix(".mo")
    os.utime(mo, ns=(po.stat().st_mtime_ns - 10**9,) * 2)
    i18n._translations.clear()
    assert i18n.gettext("Demo printer") == "Máy in mới"


def test_a_plugin_shipping_only_a_mo_works(fresh: Path, tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    po = write_po(locale, "demo", 'msgid "Only compiled"\nmsgstr "Chỉ có bản dịch đã biên dịch"\n')
    catalogs.compile_dir(locale)
    po.unlink()
    i18n.add_catalog_dir(locale)
    assert i18n.gettext("Only compiled") == "Chỉ có bản dịch đã biên dịch"


def test_translations_come_out_nfc_and_the_core_wins(fresh: Path, tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    nfd = unicodedata.normalize("NFD", "Người nhận")
    write_po(locale, "demo", f'msgid "Recipient"\nmsgstr "{nfd}"\n\nmsgid "Error"\nmsgstr "Hỏng rồi"\n')
    i18n.add_catalog_dir(locale)
    assert i18n.gettext("Recipient") == unicodedata.normalize("NFC", "Người nhận")
    assert i18n.gettext("Error") == "Lỗi"  # the core's catalog comes first
    i18n.set_language("en")
    assert i18n.gettext("Recipient") == "Recipient"


def test_parse_po_reads_with_babel() -> None:
    text = PO_HEADER + 'msgid "A"\nmsgstr ""\n"Dòng "\n"hai"\n\n#, fuzzy\nmsgid "B"\nmsgstr "b"\n\nmsgid "C"\nmsgstr ""\n'
    assert i18n.parse_po(text) == {"A": "Dòng hai"}


def test_the_empty_string_stays_empty() -> None:
    assert i18n.gettext("Error") == "Lỗi"
    assert i18n.gettext("") == ""  # not the catalog header, as stdlib gettext would give


def test_each_plugin_reads_its_own_wording_of_a_shared_msgid(fresh: Path, tmp_path: Path) -> None:
    first = tmp_path / "helpdesk_aa" / "locale"
    second = tmp_path / "helpdesk_bb" / "locale"
    write_po(first, "aa", 'msgid "PIN pad reader"\nmsgstr "Đầu đọc có bàn phím PIN"\n')
    write_po(second, "bb", 'msgid "PIN pad reader"\nmsgstr "Đầu đọc có bàn phím"\n')
    i18n.add_catalog_dir(first)
    i18n.add_catalog_dir(second)
    assert i18n.gettext("PIN pad reader") == "Đầu đọc có bàn phím PIN"  # no package: load order
    assert i18n.gettext("PIN pad reader", "helpdesk_bb") == "Đầu đọc có bàn phím"  # its own first
    assert i18n.gettext("PIN pad reader", "helpdesk_aa") == "Đầu đọc có bàn phím PIN"
    assert i18n.gettext("Error", "helpdesk_bb") == "Lỗi"  # then the core
