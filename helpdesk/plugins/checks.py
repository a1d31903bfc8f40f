"""What the host accepts from plugins: hook results and registered items.

Each check raises a :class:`~helpdesk.workflow.types.PluginError` (results) or
:class:`~helpdesk.workflow.types.RegistrationError` (``register`` calls) naming what was
wrong, and returns the value normalised (NFC text) and stamped with its plugin.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from helpdesk.config import ModuleEntry
from helpdesk.workflow.types import (
    PIN_STATES,
    ROLES,
    PluginError,
    Problem,
    RecordAction,
    RegistrationError,
    ReportSection,
    Workflow,
)

T = TypeVar("T")


def type_name(value: object) -> str:
    return type(value).__name__


def expect_none(value: object, plugin: str, hook: str) -> None:
    raise PluginError("{hook} must return None, got {got}", hook=hook, got=type_name(value))


def _check_module_choice(value: object, plugin: str, hook: str) -> ModuleEntry:
    if not isinstance(value, ModuleEntry) or not value.name or not value.path:
        raise PluginError("{hook} must return a ModuleEntry or None, got {got}", hook=hook, got=type_name(value))
    return value


def _check_problems(value: object, plugin: str, hook: str) -> list[Problem]:
    if not isinstance(value, list | tuple) or not all(isinstance(p, Problem) for p in value):
        raise PluginError("{hook} must return a list of Problem, got {got}", hook=hook, got=type_name(value))
    for problem in value:
        if problem.severity not in ("error", "warning") or not isinstance(problem.message, str) or not problem.message:
            raise PluginError("{hook} returned a malformed Problem: {problem}", hook=hook, problem=repr(problem))
    return [replace(p, message=nfc(p.message), plugin=plugin) for p in value]


#: How each hook's non-None result is checked (and stamped with its plugin); hooks
#: not listed must return None.
RESULT_CHECKS: dict[str, Callable[[object, str, str], Any]] = {
    "helpdesk_identify_token": _check_module_choice,
    "helpdesk_validate_record": _check_problems,
    "helpdesk_token_notes": _check_problems,
}

_ID = re.compile(r"[a-z][a-z0-9_.-]{0,63}\Z")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _expect(item: object, kind: type[T]) -> T:
    if not isinstance(item, kind):
        raise RegistrationError("Expected a {expected}, got {got}", expected=kind.__name__, got=type_name(item))
    return item


def _check_common(item: Workflow | ReportSection | RecordAction) -> None:
    if not isinstance(item.id, str) or not _ID.match(item.id):
        raise RegistrationError("Bad id {id!r}: use lower-case letters, digits, _ . -", id=item.id)
    for title in (item.title_vi, item.title_en):
        if not isinstance(title, str) or not title.strip():
            raise RegistrationError("{id}: both titles (vi, en) are required", id=item.id)
    if getattr(item, "role", "operator") not in ROLES:
        raise RegistrationError("{id}: unknown role {role!r}", id=item.id, role=getattr(item, "role", ""))


def check_workflow(item: object, plugin: str) -> Workflow:
    wf = _expect(item, Workflow)
    _check_common(wf)
    if not (callable(wf.screen) or (isinstance(wf.screen, str) and ":" in wf.screen)):
        raise RegistrationError("{id}: screen must be callable", id=wf.id)
    if not isinstance(wf.needs_token, bool) or not isinstance(wf.order, int) or not isinstance(wf.key, str):
        raise RegistrationError("{id}: needs_token, order or key has the wrong type", id=wf.id)
    if not set(wf.pin_states) <= set(PIN_STATES):
        raise RegistrationError("{id}: unknown PIN state in {states}", id=wf.id, states=repr(wf.pin_states))
    return replace(wf, title_vi=nfc(wf.title_vi), title_en=nfc(wf.title_en), pin_states=tuple(wf.pin_states), plugin=plugin)


def check_report(item: object, plugin: str) -> ReportSection:
    report = _expect(item, ReportSection)
    _check_common(report)
    if not callable(report.compute) or not isinstance(report.order, int):
        raise RegistrationError("{id}: compute must be callable and order an integer", id=report.id)
    return replace(report, title_vi=nfc(report.title_vi), title_en=nfc(report.title_en), plugin=plugin)


def check_record_action(item: object, plugin: str) -> RecordAction:
    action = _expect(item, RecordAction)
    _check_common(action)
    if not (callable(action.screen) or (isinstance(action.screen, str) and ":" in action.screen)):
        raise RegistrationError("{id}: screen must be callable", id=action.id)
    if not action.record_types or not all(isinstance(t, str) and t for t in action.record_types):
        raise RegistrationError("{id}: record_types must name at least one record type", id=action.id)
    return replace(action, title_vi=nfc(action.title_vi), title_en=nfc(action.title_en),
                   record_types=tuple(action.record_types), plugin=plugin)


def check_catalog(item: object, plugin: str) -> Path:
    if not isinstance(item, str | os.PathLike):
        raise RegistrationError("Expected a {expected}, got {got}", expected="path", got=type_name(item))
    path = Path(item)
    if not path.is_dir():
        raise RegistrationError("Locale folder {path} does not exist", path=str(path))
    return path




def check_command(item: object, plugin: str) -> tuple[str, Any]:
    """``(name, click.Command)`` as passed on by the ``cli`` plugins receive."""
    import click

    name, command = item if isinstance(item, tuple) and len(item) == 2 else ("", item)
    if not isinstance(command, click.Command):
        raise RegistrationError("Expected a {expected}, got {got}", expected="click.Command", got=type_name(command))
    if not isinstance(name, str) or not name:
        raise RegistrationError("A command needs a name")
    return name, command
