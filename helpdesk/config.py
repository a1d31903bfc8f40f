"""Settings: one TOML file, overridable by ``HELPDESK_*`` environment variables.

Discovery order for the file: ``$HELPDESK_CONFIG``, else ``$HELPDESK_HOME/helpdesk.toml``.
``HELPDESK_HOME`` is the data folder (records, archive, logs); default: the user's data
dir. Scalar settings can be overridden by ``HELPDESK_<NAME>`` (e.g. ``HELPDESK_PRINTER``).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpdesk.errors import ConfigError


@dataclass(frozen=True)
class ModuleEntry:
    """One PKCS#11 library the kiosk may load, and the cards it serves."""

    name: str
    path: str
    atrs: tuple[str, ...] = ()  # hex ATR patterns; ".." matches any byte
    reinit_on_change: bool = False  # C_Finalize+C_Initialize to see tokens come and go
    reader_pattern: str = ""  # regex on the reader name, alternative to ATR


@dataclass(frozen=True)
class Organisation:
    """Who appears on forms: the managing department differs by province."""

    parent: str = "UBND THÀNH PHỐ CẦN THƠ"
    name: str = "SỞ NỘI VỤ"
    code: str = "SNV"  # used in record numbers "Số: 12/BB-SNV"
    place: str = "Cần Thơ"


@dataclass(frozen=True)
class Settings:
    home: Path
    kiosk_id: str = "kiosk-01"
    language: str = "vi"
    printer: str = ""
    print_copies: int = 2
    idle_lock_minutes: int = 10
    pkcs11_module: str = ""  # forces one library for every card (HELPDESK_PKCS11_MODULE)
    modules: tuple[ModuleEntry, ...] = ()
    organisation: Organisation = field(default_factory=Organisation)
    registry_url: str = ""
    plugins_block: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # plugin sections, untouched

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def archive_dir(self) -> Path:
        return self.home / "archive"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["home"] = str(self.home)
        return out


_SCALARS = {
    "kiosk_id": str,
    "language": str,
    "printer": str,
    "print_copies": int,
    "idle_lock_minutes": int,
    "pkcs11_module": str,
    "registry_url": str,
}


def default_home() -> Path:
    env = os.environ.get("HELPDESK_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("helpdesk", appauthor=False))


def config_path(home: Path | None = None) -> Path:
    env = os.environ.get("HELPDESK_CONFIG")
    if env:
        return Path(env).expanduser()
    return (home or default_home()) / "helpdesk.toml"


def _modules(raw: object) -> tuple[ModuleEntry, ...]:
    if not isinstance(raw, list):
        raise ConfigError("[[modules]] must be a list of tables")
    entries = []
    for item in raw:
        try:
            entries.append(
                ModuleEntry(
                    name=str(item["name"]),
                    path=str(item["path"]),
                    atrs=tuple(str(a) for a in item.get("atrs", ())),
                    reinit_on_change=bool(item.get("reinit_on_change", False)),
                    reader_pattern=str(item.get("reader_pattern", "")),
                )
            )
        except (KeyError, TypeError) as exc:
            raise ConfigError("Bad [[modules]] entry: {entry}", entry=repr(item)) from exc
    return tuple(entries)


def load_settings(path: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read the settings file (missing file = defaults), then apply env overrides."""
    env = dict(os.environ) if env is None else env
    home = Path(env["HELPDESK_HOME"]).expanduser() if env.get("HELPDESK_HOME") else default_home()
    path = path or (Path(env["HELPDESK_CONFIG"]) if env.get("HELPDESK_CONFIG") else home / "helpdesk.toml")
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError("Settings file {path} is not valid TOML: {error}", path=str(path), error=str(exc)) from exc
    kwargs: dict[str, Any] = {"home": home}
    for key, kind in _SCALARS.items():
        if key in data:
            kwargs[key] = kind(data.pop(key))
        env_value = env.get(f"HELPDESK_{key.upper()}")
        if env_value:
            try:
                kwargs[key] = kind(env_value)
            except ValueError as exc:
                raise ConfigError("HELPDESK_{name} must be a {kind}", name=key.upper(), kind=kind.__name__) from exc
    if env.get("HELPDESK_LANG"):
        kwargs["language"] = env["HELPDESK_LANG"]
    if "modules" in data:
        kwargs["modules"] = _modules(data.pop("modules"))
    if "organisation" in data:
        org = data.pop("organisation")
        known = {f.name for f in dataclasses.fields(Organisation)}
        kwargs["organisation"] = Organisation(**{k: str(v) for k, v in org.items() if k in known})
    if "plugins" in data:
        kwargs["plugins_block"] = tuple(data.pop("plugins").get("block", ()))
    if env.get("HELPDESK_PLUGINS_BLOCK"):
        kwargs["plugins_block"] = tuple(filter(None, env["HELPDESK_PLUGINS_BLOCK"].split(",")))
    kwargs["extra"] = data
    settings = Settings(**kwargs)
    if settings.language not in ("vi", "en"):
        raise ConfigError("Unknown language {lang}; use vi or en", lang=settings.language)
    return settings
