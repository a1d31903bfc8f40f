"""``PluginSpec``: a plugin's registrations as data, turned into its hook implementations.

Instead of a dozen ``@hookimpl`` functions that each loop over a tuple and call
``register``, a plugin module says what it brings and installs the hooks::

    spec = PluginSpec(
        locale=Path(__file__).parent / "locale",
        workflows=(Workflow("stock", "Kiểm kê", "Stock-taking", screen="my_plugin.screens:StockScreen"),),
        record_types=(RecordTypeSpec("stock.count", "my_plugin.records:validate", "A box counted"),),
        forms={"stock.report": "my_plugin.form:build"},
        commands={"stock": "my_plugin.cli:stock"},
    )
    spec.install(globals())

Targets given as ``"module:attribute"`` strings are imported when first used, so the
plugin module stays light (no Textual, ReportLab or openpyxl at start-up).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click

from helpdesk import hookimpl
from helpdesk.workflow.targets import Target, lazy, resolve
from helpdesk.workflow.types import PluginError, RecordAction, ReportSection, Workflow


@dataclass(frozen=True)
class RecordTypeSpec:
    """A record type: its name ("plugin.thing"), payload validator and description."""

    name: str
    validator: Target
    description: str = ""


@dataclass(frozen=True)
class PluginSpec:
    """What a plugin registers; :meth:`install` writes the matching ``@hookimpl`` functions."""

    workflows: Sequence[Workflow] = ()
    record_types: Sequence[RecordTypeSpec] = ()
    forms: Mapping[str, Target] = field(default_factory=dict)
    commands: Mapping[str, Target] = field(default_factory=dict)
    reports: Sequence[ReportSection] = ()
    record_actions: Sequence[RecordAction] = ()
    locale: Path | None = None
    owner: str = ""  # record types' owner (default: the plugin's name from its module)

    def hooks(self, owner: str = "") -> dict[str, Callable[..., None]]:
        """The hook implementations, by hook name (only for what the spec has)."""
        found: dict[str, Callable[..., None]] = {}
        owner = self.owner or owner
        if self.workflows:
            workflows = tuple(self.workflows)

            def helpdesk_register_workflows(register: Callable[[Workflow], None]) -> None:
                for workflow in workflows:
                    register(workflow)

            found["helpdesk_register_workflows"] = helpdesk_register_workflows
        if self.record_types:
            # One validator object per type: the store's registry is process-wide and takes a
            # second registration only if it is equal (a kiosk opened twice, a command in the TUI).
            validators = {spec.name: lazy(spec.validator) for spec in self.record_types}

            def helpdesk_register_record_types(register: Callable[..., Any]) -> None:
                for spec in self.record_types:
                    register(spec.name, validators[spec.name], description=spec.description, owner=owner)

            found["helpdesk_register_record_types"] = helpdesk_register_record_types
        if self.forms:
            def helpdesk_register_forms(register: Callable[..., Any]) -> None:
                for name, builder in dict(self.forms).items():
                    register(name, lazy(builder))

            found["helpdesk_register_forms"] = helpdesk_register_forms
        if self.commands:
            def helpdesk_register_commands(cli: click.Group) -> None:
                from helpdesk.commands.lazy import LazyCommand

                for name, command in dict(self.commands).items():
                    # a "module:attribute" command is imported only when it runs (or --help lists it)
                    cli.add_command(LazyCommand(name, command) if isinstance(command, str) else resolve(command), name)

            found["helpdesk_register_commands"] = helpdesk_register_commands
        if self.reports:
            def helpdesk_register_reports(register: Callable[[ReportSection], None]) -> None:
                for section in self.reports:
                    register(replace(section, compute=lazy(section.compute)))

            found["helpdesk_register_reports"] = helpdesk_register_reports
        if self.record_actions:
            def helpdesk_register_record_actions(register: Callable[[RecordAction], None]) -> None:
                for action in self.record_actions:
                    register(action)

            found["helpdesk_register_record_actions"] = helpdesk_register_record_actions
        if self.locale is not None:
            locale = self.locale

            def helpdesk_register_catalogs(register: Callable[[str | Path], None]) -> None:
                register(locale)

            found["helpdesk_register_catalogs"] = helpdesk_register_catalogs
        return {name: hookimpl(fn) for name, fn in found.items()}

    def install(self, namespace: MutableMapping[str, Any]) -> None:
        """Put the hooks into a plugin module's ``globals()``; a hook it defines itself is an error."""
        module = str(namespace.get("__name__", ""))
        for name, fn in self.hooks(owner=module.split(".")[0].removeprefix("helpdesk_")).items():
            if name in namespace:
                raise PluginError("{module} defines {hook} itself and in its PluginSpec", module=module, hook=name)
            fn.__module__ = module
            namespace[name] = fn
