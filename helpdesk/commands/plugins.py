"""``helpdesk plugins`` — which plugins are installed, what they hook, and which failed
(or are *incompatible*: written for a plugin API range this kiosk is outside of).

Besides loading, it runs the registration hooks (commands, workflows, reports, record
types, forms, catalogs), which by contract only register things: a plugin that breaks
there shows as failed here rather than first at the desk.
"""

from __future__ import annotations

import json
from typing import Any

import click

from helpdesk.i18n import _

PREFIX = "helpdesk_"


def _state_label(state: str) -> str:
    labels = {"ok": _("active"), "failed": _("failed"), "blocked": _("blocked"), "incompatible": _("incompatible")}
    return labels.get(state, state)


def _health_check() -> None:
    from helpdesk import plugins

    def sink(*args: Any, **kwargs: Any) -> None:
        """Accepts anything: the store and forms check their own registrations."""

    plugins.collect_commands()
    plugins.collect_workflows()
    plugins.collect_report_sections()
    plugins.collect_record_types(sink)
    plugins.collect_forms(sink)


@click.command("plugins")
@click.option("--all", "show_all", is_flag=True, help="Also list blocked plugins.")
@click.option("--hook", "hook", metavar="NAME", default=None, help="Only plugins implementing this hook.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins(show_all: bool, hook: str | None, as_json: bool) -> None:
    """List plugins: name, version, hooks, state and error."""
    from helpdesk import plugins as host
    from helpdesk.workflow.types import PluginError

    if hook is not None:
        full = hook if hook.startswith(PREFIX) else PREFIX + hook
        if full not in host.HOOK_NAMES:
            raise PluginError("Unknown hook {hook}", hook=hook)
        hook = full
    host.get_plugin_manager()
    _health_check()
    states = [
        s
        for s in host.plugin_states()
        if (show_all or s.state != "blocked") and (hook is None or hook in s.hooks)
    ]
    if as_json:
        click.echo(json.dumps([s.to_json() for s in states], ensure_ascii=False, indent=2))
        return
    if not states:
        click.echo(_("No plugins."))
        return
    for s in states:
        version = s.version or "-"
        click.echo(f"{s.name} {version}  [{_state_label(s.state)}]")
        if s.hooks:
            click.echo("    " + _("hooks: {hooks}").format(hooks=", ".join(h.removeprefix(PREFIX) for h in s.hooks)))
        if s.failure is not None:
            click.echo("    " + s.failure.localized())
        if show_all and s.source:
            click.echo("    " + _("from: {source}").format(source=s.source))
        if show_all and s.api:
            click.echo("    " + _("plugin API: {range}").format(range=s.api))
