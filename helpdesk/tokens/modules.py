"""Which PKCS#11 library reads which card.

Order of choice for a card (reader name + ATR):
1. ``HELPDESK_PKCS11_MODULE`` / ``settings.pkcs11_module`` forces one library for all;
2. a plugin's ``helpdesk_identify_token`` hook (first non-None answer);
3. the settings' ``[[modules]]`` table (site-specific, checked before built-ins);
4. the built-in table of token families in circulation (Bit4id, SafeNet, OpenSC).

A card whose library is not installed is *not* an error: :meth:`ModuleRegistry.choose`
returns a :class:`ModuleChoice` with ``installed=False`` and the fix to apply.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from helpdesk.config import ModuleEntry, Settings

#: Where vendor installers put their libraries on Debian/Ubuntu kiosks.
SEARCH_DIRS = (
    "/usr/lib",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu/pkcs11",
    "/usr/local/lib",
    "/usr/lib/pkcs11",
    "/usr/lib/softhsm",
    "/opt/bit4id/lib",
    "/usr/lib/bit4id",
)

#: Built-in table. ATRs from ../shared/domain/FORMS.md (Bit4id) and vendor lists (SafeNet).
BUILTIN_MODULES: tuple[ModuleEntry, ...] = (
    ModuleEntry(
        name="bit4id",
        path="libbit4xpki.so",
        atrs=(
            # TokenME EVO v2, JCOP4, RSA-3072 profile (VGCA Token)
            "3BFF1800008131FE45006B150C03020101014234441031800D",
            # TokenME EVO v2, RSA-2048 profile
            "3BDF18FF8191FE1FC30031B8640C01ECC173940180829000B3",
        ),
    ),
    ModuleEntry(
        name="safenet",
        path="libeTPkcs11.so",
        atrs=(
            "3BD5180081313A7D8073C8211030",  # eToken PRO Java 72K
            "3BD518008131FE7D8073C82110F4",  # eToken 5110
            "3BFF9600008131FE4380318065B0846566FB12017882900085",  # eToken 5110 CC
        ),
    ),
    ModuleEntry(name="opensc", path="opensc-pkcs11.so", atrs=()),
    ModuleEntry(name="softhsm", path="libsofthsm2.so", atrs=(), reinit_on_change=True),
)

#: How to install a missing library, per module name (English msgids; translated on display).
INSTALL_HINTS = {
    "bit4id": "Install the Bit4id PKCS#11 middleware (libbit4xpki.so) from the token vendor (VGCA).",
    "safenet": "Install SafeNet Authentication Client (libeTPkcs11.so).",
    "opensc": "apt-get install opensc-pkcs11",
    "softhsm": "apt-get install softhsm2",
}


@dataclass(frozen=True)
class ModuleChoice:
    """The library chosen for a card, and whether it can be loaded here."""

    entry: ModuleEntry
    resolved_path: str  # absolute path, "" when not installed
    reason: str  # "forced" | "plugin" | "settings" | "builtin" | "fallback"

    @property
    def installed(self) -> bool:
        return bool(self.resolved_path)

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def install_hint(self) -> str:
        return INSTALL_HINTS.get(self.entry.name, "Install the PKCS#11 library {path}")


def normalize_atr(atr: str | bytes | Iterable[int]) -> str:
    """ATR as upper-case hex without separators."""
    if isinstance(atr, str):
        return re.sub(r"[^0-9A-Fa-f.]", "", atr).upper()
    return bytes(atr).hex().upper()


def atr_matches(pattern: str, atr: str) -> bool:
    """Match a hex ATR pattern where ``..`` stands for any byte."""
    pattern, atr = normalize_atr(pattern), normalize_atr(atr)
    if len(pattern) != len(atr):
        return False
    return all(p == "." or p == a for p, a in zip(pattern, atr, strict=True))


@lru_cache(maxsize=64)
def resolve_library(path: str) -> str:
    """Absolute path of a library if it exists here, else "" (looked up once per process)."""
    if os.path.isabs(path):
        return path if Path(path).is_file() else ""
    for folder in SEARCH_DIRS:
        candidate = Path(folder) / path
        if candidate.is_file():
            return str(candidate)
    return ""


PluginChooser = Callable[[str, str], ModuleEntry | None]


class ModuleRegistry:
    """Chooses PKCS#11 libraries for cards and lists the libraries to enumerate."""

    def __init__(
        self,
        settings_modules: tuple[ModuleEntry, ...] = (),
        forced: str = "",
        plugin_chooser: PluginChooser | None = None,
        builtins: tuple[ModuleEntry, ...] = BUILTIN_MODULES,
    ) -> None:
        self.settings_modules = settings_modules
        self.forced = forced
        self.plugin_chooser = plugin_chooser
        self.builtins = builtins

    @classmethod
    def from_settings(cls, settings: Settings, plugin_chooser: PluginChooser | None = None) -> ModuleRegistry:
        forced = os.environ.get("HELPDESK_PKCS11_MODULE") or settings.pkcs11_module
        return cls(settings.modules, forced, plugin_chooser)

    def _choice(self, entry: ModuleEntry, reason: str) -> ModuleChoice:
        return ModuleChoice(entry, resolve_library(entry.path), reason)

    def forced_entry(self) -> ModuleEntry | None:
        if not self.forced:
            return None
        known = {e.path: e for e in (*self.settings_modules, *self.builtins)}
        base = known.get(self.forced) or known.get(os.path.basename(self.forced))
        reinit = base.reinit_on_change if base else "softhsm" in self.forced
        name = base.name if base else Path(self.forced).stem
        return ModuleEntry(name=name, path=self.forced, reinit_on_change=reinit)

    def choose(self, reader: str, atr: str) -> ModuleChoice:
        """The library for the card with this ATR in this reader."""
        forced = self.forced_entry()
        if forced:
            return self._choice(forced, "forced")
        if self.plugin_chooser:
            entry = self.plugin_chooser(reader, atr)
            if entry is not None:
                return self._choice(entry, "plugin")
        for reason, table in (("settings", self.settings_modules), ("builtin", self.builtins)):
            for entry in table:
                if any(atr_matches(p, atr) for p in entry.atrs):
                    return self._choice(entry, reason)
                if entry.reader_pattern and re.search(entry.reader_pattern, reader):
                    return self._choice(entry, reason)
        # Unknown card: OpenSC reads many generic cards; say so when it is not there either.
        opensc = next((e for e in self.builtins if e.name == "opensc"), None)
        return self._choice(opensc or ModuleEntry(name="unknown", path="opensc-pkcs11.so"), "fallback")

    def enumerable(self) -> list[ModuleChoice]:
        """Libraries to list tokens from without a reader event (``token list``).

        The forced one alone if set; otherwise the configured ones and every built-in
        library installed on this machine, each path once.
        """
        forced = self.forced_entry()
        if forced:
            return [self._choice(forced, "forced")]
        seen: set[str] = set()
        out: list[ModuleChoice] = []
        for reason, table in (("settings", self.settings_modules), ("builtin", self.builtins)):
            for entry in table:
                choice = self._choice(entry, reason)
                key = choice.resolved_path or entry.path
                if key in seen or (reason == "builtin" and not choice.installed):
                    continue
                seen.add(key)
                out.append(choice)
        return out

    def all_entries(self) -> list[ModuleChoice]:
        """Every known library, installed or not (for ``doctor``)."""
        out = [self._choice(e, "settings") for e in self.settings_modules]
        out += [self._choice(e, "builtin") for e in self.builtins]
        forced = self.forced_entry()
        if forced:
            out.insert(0, self._choice(forced, "forced"))
        return out
