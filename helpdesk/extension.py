"""The one public door for plugins. A plugin imports from here (and ``hookimpl``) only.

Everything a plugin may use is named below, typed and documented in
``docs/plugins.md``; the rest of ``helpdesk`` is private and may change. A test over
the import graph (``tests/test_import_border.py``) fails when a module under
``plugins/`` imports any other ``helpdesk.*`` module.

Heavy parts load on first use (``WorkflowScreen`` imports Textual, ``FormDocument``
ReportLab), so importing this module keeps a plugin's hook module light.

The pieces:
- registering: :class:`PluginSpec`, :class:`Workflow`, :class:`RecordTypeSpec`,
  :class:`ReportSection` (+ :class:`ReportRow`, :class:`Period`), :class:`Problem`;
- working: :class:`WorkflowContext` (``ctx.commit``, ``ctx.next_number``, ``ctx.forms``,
  ``ctx.print``, ``ctx.table``, ``ctx.worker``), :class:`WorkflowScreen`,
  :func:`command_context` and :func:`read_pin` for commands;
- data: records, subscribers, units, tokens and certificates, secrets, errors, forms.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Version of this API. A plugin may check it; it changes when a name here changes meaning.
API_VERSION = "1.0"

# name -> module holding it (imported on first access of the name)
_LAZY: dict[str, str] = {
    # registering
    "PIN_STATES": "helpdesk.workflow.types", "ROLES": "helpdesk.workflow.types",
    "OperatorRef": "helpdesk.workflow.types", "Period": "helpdesk.workflow.types",
    "PluginError": "helpdesk.workflow.types", "Problem": "helpdesk.workflow.types",
    "RecordRefused": "helpdesk.workflow.types", "RecordAction": "helpdesk.workflow.types", "Register": "helpdesk.workflow.types",
    "RegistrationError": "helpdesk.workflow.types", "ReportRow": "helpdesk.workflow.types",
    "ReportSection": "helpdesk.workflow.types", "Role": "helpdesk.workflow.types",
    "ScreenFactory": "helpdesk.workflow.types", "Workflow": "helpdesk.workflow.types",
    "PluginSpec": "helpdesk.workflow.spec", "RecordTypeSpec": "helpdesk.workflow.spec",
    "Target": "helpdesk.workflow.targets", "lazy": "helpdesk.workflow.targets", "resolve": "helpdesk.workflow.targets",
    # working
    "WorkflowContext": "helpdesk.workflow.context", "RecordDraft": "helpdesk.workflow.context",
    "Printed": "helpdesk.workflow.context", "Forms": "helpdesk.workflow.context",
    "WorkflowScreen": "helpdesk.workflow.screen", "PinInput": "helpdesk.workflow.screen",
    "StatusLine": "helpdesk.workflow.screen", "describe_error": "helpdesk.workflow.screen",
    "TokenInserted": "helpdesk.messages", "TokenRemoved": "helpdesk.messages",
    "command_context": "helpdesk.workflow.commands", "read_pin": "helpdesk.workflow.commands",
    "pin_stdin_option": "helpdesk.workflow.commands", "cli_operator": "helpdesk.workflow.commands",
    # settings and text
    "Settings": "helpdesk.config", "Organisation": "helpdesk.config", "ModuleEntry": "helpdesk.config",
    "gettext": "helpdesk.i18n", "get_language": "helpdesk.i18n", "nfc": "helpdesk.forms.fonts",
    # records and tables
    "Record": "helpdesk.store", "Subject": "helpdesk.store", "Subscriber": "helpdesk.store",
    "Unit": "helpdesk.store", "Store": "helpdesk.store", "fold": "helpdesk.store",
    "iso_utc": "helpdesk.store", "NotFound": "helpdesk.store", "InvalidData": "helpdesk.store",
    "StoreError": "helpdesk.store", "DiskFull": "helpdesk.store",
    "Number": "helpdesk.store.numbers", "Table": "helpdesk.store.tables", "RowValidator": "helpdesk.store.tables",
    # tokens
    "TokenInfo": "helpdesk.tokens.model", "CertInfo": "helpdesk.tokens.model",
    "TokenFlags": "helpdesk.tokens.model", "Name": "helpdesk.tokens.model",
    "TokenWorker": "helpdesk.tokens.pkcs11", "PIN_PAD": "helpdesk.tokens.pkcs11", "Pin": "helpdesk.tokens.pkcs11",
    "KeyRef": "helpdesk.tokens.keyjobs", "GeneratedKey": "helpdesk.tokens.keyjobs",
    "TokenKey": "helpdesk.tokens.keylist", "list_keys": "helpdesk.tokens.keylist",
    "Secret": "helpdesk.secret",
    # errors
    "HelpdeskError": "helpdesk.errors", "ConfigError": "helpdesk.errors", "TokenError": "helpdesk.errors",
    "TokenNotFound": "helpdesk.errors", "PinIncorrect": "helpdesk.errors",
    "PinLocked": "helpdesk.errors", "PinPolicyError": "helpdesk.errors", "PrintError": "helpdesk.errors",
    # forms (ReportLab)
    "FormDocument": "helpdesk.forms", "Signer": "helpdesk.forms", "FormSeal": "helpdesk.forms",
    "FormError": "helpdesk.forms", "date_line": "helpdesk.forms", "document_number": "helpdesk.forms",
    "content_hash": "helpdesk.forms", "FormBuilder": "helpdesk.forms",
    # printing states
    "PrintJob": "helpdesk.printing", "JobState": "helpdesk.printing",
}
#: Public names whose object is stored under another name in its module.
_RENAMED = {"TokenRemovedError": ("helpdesk.errors", "TokenRemoved")}


def _(message: str) -> str:
    """Translate ``message`` (an English msgid) into the interface language.

    Plugins add their catalogs with ``PluginSpec(locale=…)``; the core's win on a clash.
    """
    from helpdesk.i18n import gettext as _gettext

    return _gettext(message)


def __getattr__(name: str) -> Any:
    if name in _RENAMED:
        module, attribute = _RENAMED[name]
    elif name in _LAZY:
        module, attribute = _LAZY[name], name
    else:
        raise AttributeError(f"helpdesk.extension has no public name {name!r}")
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from helpdesk.tokens.keylist import TokenKey as TokenKey
    from helpdesk.tokens.keylist import list_keys as list_keys
    pass

__all__ = sorted({*_LAZY, *_RENAMED, "API_VERSION", "_", "hookimpl"})
