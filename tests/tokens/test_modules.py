"""Choosing a PKCS#11 library for a card."""

from __future__ import annotations

from helpdesk.config import ModuleEntry
from helpdesk.tokens.modules import BUILTIN_MODULES, ModuleRegistry, atr_matches, normalize_atr

BIT4ID_RSA2048 = "3B DF 18 FF 81 91 FE 1F C3 00 31 B8 64 0C 01 EC C1 73 94 01 80 82 90 00 B3"


def test_bit4id_atr_picks_vendor_library_shown_missing_with_fix():
    choice = ModuleRegistry().choose("Bit4id miniLector", BIT4ID_RSA2048)
    assert choice.name == "bit4id" and choice.reason == "builtin"
    assert not choice.installed  # the vendor middleware is not on this machine
    assert "libbit4xpki.so" in choice.install_hint


def test_settings_table_wins_over_builtins_and_wildcards():
    entry = ModuleEntry(name="site", path="/usr/lib/softhsm/libsofthsm2.so", atrs=("3BDF18FF..91FE1F" + ".." * 17,))
    choice = ModuleRegistry(settings_modules=(entry,)).choose("r", BIT4ID_RSA2048)
    assert choice.name == "site" and choice.installed


def test_garbage_atr_falls_back_to_opensc():
    choice = ModuleRegistry().choose("Virtual PCD 00 00", "3B00")
    assert choice.reason == "fallback" and choice.name == "opensc"


def test_forced_module_overrides_everything(monkeypatch):
    monkeypatch.setenv("HELPDESK_PKCS11_MODULE", "/nonexistent/libfoo.so")
    from helpdesk.config import load_settings

    registry = ModuleRegistry.from_settings(load_settings())
    choice = registry.choose("any", BIT4ID_RSA2048)
    assert choice.reason == "forced" and not choice.installed
    assert [c.entry.path for c in registry.enumerable()] == ["/nonexistent/libfoo.so"]


def test_plugin_chooser_is_asked_before_tables():
    plugin_entry = ModuleEntry(name="plugin-lib", path="libplugin.so")
    registry = ModuleRegistry(plugin_chooser=lambda reader, atr: plugin_entry if "Plugin" in reader else None)
    assert registry.choose("Plugin reader", BIT4ID_RSA2048).name == "plugin-lib"
    assert registry.choose("Other reader", BIT4ID_RSA2048).name == "bit4id"


def test_atr_helpers():
    assert normalize_atr("3b:95 13") == "3B9513"
    assert normalize_atr(bytes([0x3B, 0x95])) == "3B95"
    assert atr_matches("3B..13", "3B9513") and not atr_matches("3B..13", "3B951300")
    assert all(e.name for e in BUILTIN_MODULES)
