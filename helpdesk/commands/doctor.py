"""``helpdesk doctor`` — is this kiosk ready? Each problem comes with the fix to apply."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from helpdesk.config import Settings, load_settings
from helpdesk.i18n import _

FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
FONT_FILES = ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True  # a failed optional check is a warning


def check_pcscd() -> list[Check]:
    try:
        from helpdesk.tokens import pcsc
    except ImportError as exc:
        return [Check(_("PC/SC service (pcscd)"), False, str(exc), "pip install pyscard")]
    status = pcsc.pcscd_status()
    if status == "no_service":
        return [Check(_("PC/SC service (pcscd)"), False, _("pcscd is not running."),
                      _("Start it: pcscd (as root), or apt-get install pcscd"))]
    checks = [Check(_("PC/SC service (pcscd)"), True, _("running"))]
    readers = [reader for reader, _atr in pcsc.snapshot()]
    if readers:
        checks.append(Check(_("Card readers"), True, ", ".join(sorted(set(readers)))))
    else:
        checks.append(Check(_("Card readers"), False, _("No card reader is connected."),
                            _("Plug in the USB token or reader; check the cable."), required=False))
    return checks


def check_modules(settings: Settings) -> list[Check]:
    from helpdesk.kiosk import make_module_registry

    registry = make_module_registry(settings)
    checks = []
    for choice in registry.all_entries():
        name = _("PKCS#11 library {name}").format(name=choice.name)
        if not choice.installed:
            required = choice.reason in ("forced", "settings")
            checks.append(Check(name, False, _("not installed ({path})").format(path=choice.entry.path),
                                _(choice.install_hint).format(path=choice.entry.path), required=required))
            continue
        # Load it in a child process: a broken vendor library must not take doctor down.
        probe = subprocess.run(
            [sys.executable, "-c", "import sys, pkcs11; l = pkcs11.lib(sys.argv[1]); print(l.library_description)",
             choice.resolved_path],
            capture_output=True, text=True, timeout=30, check=False,
        )
        if probe.returncode == 0:
            checks.append(Check(name, True, f"{choice.resolved_path} ({probe.stdout.strip()})"))
        else:
            error = (probe.stderr.strip().splitlines() or ["?"])[-1]
            checks.append(Check(name, False, _("cannot be loaded: {error}").format(error=error),
                                _("Reinstall the library or fix its path in helpdesk.toml."), required=choice.reason != "builtin"))
    return checks


def check_fonts() -> list[Check]:
    missing = [f for f in FONT_FILES if not (FONT_DIR / f).is_file()]
    if missing:
        return [Check(_("Form font (Liberation Serif 2)"), False, _("missing: {files}").format(files=", ".join(missing)),
                      "apt-get install fonts-liberation2")]
    return [Check(_("Form font (Liberation Serif 2)"), True, str(FONT_DIR))]


def check_printer(settings: Settings) -> list[Check]:
    if not shutil.which("lp"):
        return [Check(_("Printer"), False, _("CUPS is not installed."), "apt-get install cups", required=False)]
    if not settings.printer:
        return [Check(_("Printer"), False, _("No printer is set."),
                      _("Set printer = \"NAME\" in helpdesk.toml (see lpstat -p)."), required=False)]
    done = subprocess.run(["lpstat", "-p", settings.printer], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return [Check(_("Printer"), False, _("Printer {name} is not reachable: {error}").format(
            name=settings.printer, error=done.stderr.strip()), _("Start CUPS (cupsd) and check the printer name."),
            required=False)]
    enabled = "disabled" not in done.stdout
    return [Check(_("Printer"), enabled, done.stdout.strip(),
                  "" if enabled else _("Enable it: cupsenable {name}").format(name=settings.printer), required=False)]


def run_checks(settings: Settings) -> list[Check]:
    return [*check_pcscd(), *check_modules(settings), *check_fonts(), *check_printer(settings)]


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def doctor(as_json: bool) -> None:
    """Check pcscd, readers, PKCS#11 libraries, fonts and printer; exit 1 on a problem."""
    checks = run_checks(load_settings())
    failed = [c for c in checks if not c.ok and c.required]
    if as_json:
        click.echo(json.dumps({"ok": not failed, "checks": [asdict(c) for c in checks]}, ensure_ascii=False, indent=2))
    else:
        for check in checks:
            mark = "✔" if check.ok else ("✘" if check.required else "!")
            click.echo(f"{mark} {check.name}: {check.detail}")
            if not check.ok and check.fix:
                click.echo(f"    → {check.fix}")
    sys.exit(1 if failed else 0)
