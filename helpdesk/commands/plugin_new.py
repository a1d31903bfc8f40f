"""``helpdesk plugin new NAME``: scaffold a working plugin (see :mod:`helpdesk.scaffold`)."""

from __future__ import annotations

from pathlib import Path

import click

from helpdesk.i18n import _


@click.group("plugin")
def plugin() -> None:
    """Tools for plugin authors."""


@plugin.command("new")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(path_type=Path, file_okay=False), default=Path("."),
              help="Where to create the plugin folder (default: here).")
@click.option("--title-vi", default="", help="The workflow's title in Vietnamese.")
@click.option("--title-en", default="", help="The workflow's title in English.")
def new(name: str, directory: Path, title_vi: str, title_en: str) -> None:
    """Create NAME/ with a workflow, a record type, a form, a catalog and a passing test."""
    from helpdesk.scaffold import create_plugin

    root = create_plugin(name, directory, title_vi=title_vi, title_en=title_en)
    click.echo(_("Created {path}. Next: pip install -e {path} && helpdesk plugins").format(path=root))
