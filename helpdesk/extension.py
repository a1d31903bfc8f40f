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
    "count_records": "helpdesk.reports.counting",  # report sections: counts per period, by payload fields
    # the version of this API (kept by the plugin host, which checks plugins' HELPDESK_API ranges)
    "API_VERSION": "helpdesk.plugins.versioning",
    # working
    "WorkflowContext": "helpdesk.workflow.context", "RecordDraft": "helpdesk.workflow.context",
    "Printed": "helpdesk.workflow.context", "Forms": "helpdesk.workflow.context",
    "WorkflowScreen": "helpdesk.workflow.screen", "PinInput": "helpdesk.workflow.screen",
    "StatusLine": "helpdesk.workflow.screen", "describe_error": "helpdesk.workflow.screen",
    "TokenInserted": "helpdesk.messages", "TokenRemoved": "helpdesk.messages",
    "write_file": "helpdesk.workflow.files", "FileWriteError": "helpdesk.workflow.files",
    "command_context": "helpdesk.workflow.commands", "read_pin": "helpdesk.workflow.commands",
    "pin_stdin_option": "helpdesk.workflow.commands", "cli_operator": "helpdesk.workflow.commands",
    "find_workflow": "helpdesk.workflow.lookup", "registered_workflows": "helpdesk.workflow.lookup",
    # settings and text
    "Settings": "helpdesk.config", "Organisation": "helpdesk.config", "ModuleEntry": "helpdesk.config",
    "load_settings": "helpdesk.config",  # settings alone (a command that needs no store or token)
    "get_language": "helpdesk.i18n", "nfc": "helpdesk.forms.fonts",
    # records and tables
    "Record": "helpdesk.store", "Subject": "helpdesk.store", "Subscriber": "helpdesk.store",
    "Unit": "helpdesk.store", "Store": "helpdesk.store", "fold": "helpdesk.store",
    "iso_utc": "helpdesk.store", "NotFound": "helpdesk.store", "InvalidData": "helpdesk.store",
    "StoreError": "helpdesk.store", "DiskFull": "helpdesk.store",
    "StoreBusy": "helpdesk.store",  # the kiosk holds the store: a command may fall back to read_only=True
    "Number": "helpdesk.store.numbers", "Table": "helpdesk.store.tables", "RowValidator": "helpdesk.store.tables",
    "ColumnShape": "helpdesk.store.rows",  # bulk imports: a column's shape, checked at once
    # bulk imports: the store's subscriber checks, once, sealed for store.subscribers.add_checked
    "check_subscriber_columns": "helpdesk.store.rows", "CheckedSubscribers": "helpdesk.store.rows",
    "FieldProblem": "helpdesk.store.rows", "cert_kind_of": "helpdesk.store.rows", "tidy_texts": "helpdesk.store.rows",
    # tokens
    "TokenInfo": "helpdesk.tokens.model", "CertInfo": "helpdesk.tokens.model",
    "TokenFlags": "helpdesk.tokens.model", "Name": "helpdesk.tokens.model",
    "TokenWorker": "helpdesk.tokens.pkcs11", "PIN_PAD": "helpdesk.tokens.pkcs11", "Pin": "helpdesk.tokens.pkcs11",
    "KeyRef": "helpdesk.tokens.keyjobs", "GeneratedKey": "helpdesk.tokens.keyjobs",
    "TokenKey": "helpdesk.tokens.keylist", "list_keys": "helpdesk.tokens.keylist",
    "delete_key_pair": "helpdesk.tokens.keylist",
    "Secret": "helpdesk.secret",
    # errors
    "HelpdeskError": "helpdesk.errors", "ConfigError": "helpdesk.errors", "TokenError": "helpdesk.errors",
    "TokenNotFound": "helpdesk.errors", "PinIncorrect": "helpdesk.errors",
    "PinLocked": "helpdesk.errors", "PinPolicyError": "helpdesk.errors", "PrintError": "helpdesk.errors",
    # forms (ReportLab)
    "FormDocument": "helpdesk.forms", "Signer": "helpdesk.forms", "FormSeal": "helpdesk.forms",
    "FormError": "helpdesk.forms", "date_line": "helpdesk.forms", "document_number": "helpdesk.forms",
    "content_hash": "helpdesk.forms", "FormBuilder": "helpdesk.forms",
    "long_table": "helpdesk.forms.longtable",  # lists of thousands of rows on a form
    # roster files (.xlsx/.xls/.ods/.csv from offices; hostile files refused) and their headers
    "read_sheet": "helpdesk.sheets", "Sheet": "helpdesk.sheets", "SheetError": "helpdesk.sheets",
    "column_letters": "helpdesk.sheets",
    "HeaderRules": "helpdesk.headers", "ColumnMap": "helpdesk.headers", "SUBSCRIBER_HEADERS": "helpdesk.headers",
    "fold_header": "helpdesk.headers",
    "cell_text": "helpdesk.cells", "national_id_cell": "helpdesk.cells", "date_cell": "helpdesk.cells",
    # printing states
    "PrintJob": "helpdesk.printing", "JobState": "helpdesk.printing",
}
#: Public names whose object is stored under another name in its module.
_RENAMED = {"TokenRemovedError": ("helpdesk.errors", "TokenRemoved")}


def _(message: str) -> str:
    """Translate ``message`` (an English msgid) into the interface language.

    Plugins add their catalogs with ``PluginSpec(locale=…)``; the calling plugin's own
    catalog is looked up first, then the core's, then the other plugins'.
    """
    import sys

    from helpdesk.i18n import gettext as _gettext

    caller = sys._getframe(1).f_globals.get("__name__", "")
    return _gettext(message, str(caller).partition(".")[0] or None)


#: The same as :func:`_` (a plugin may import it under either name).
gettext = _


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


if TYPE_CHECKING:  # the public names, typed for mypy (the runtime imports them lazily)
    from helpdesk import errors as _errors
    from helpdesk.cells import cell_text as cell_text
    from helpdesk.cells import date_cell as date_cell
    from helpdesk.cells import national_id_cell as national_id_cell
    from helpdesk.config import ModuleEntry as ModuleEntry
    from helpdesk.config import Organisation as Organisation
    from helpdesk.config import Settings as Settings
    from helpdesk.config import load_settings as load_settings
    from helpdesk.errors import ConfigError as ConfigError
    from helpdesk.errors import HelpdeskError as HelpdeskError
    from helpdesk.errors import PinIncorrect as PinIncorrect
    from helpdesk.errors import PinLocked as PinLocked
    from helpdesk.errors import PinPolicyError as PinPolicyError
    from helpdesk.errors import PrintError as PrintError
    from helpdesk.errors import TokenError as TokenError
    from helpdesk.errors import TokenNotFound as TokenNotFound
    from helpdesk.forms import FormBuilder as FormBuilder
    from helpdesk.forms import FormDocument as FormDocument
    from helpdesk.forms import FormError as FormError
    from helpdesk.forms import FormSeal as FormSeal
    from helpdesk.forms import Signer as Signer
    from helpdesk.forms import content_hash as content_hash
    from helpdesk.forms import date_line as date_line
    from helpdesk.forms import document_number as document_number
    from helpdesk.forms.fonts import nfc as nfc
    from helpdesk.forms.longtable import long_table as long_table
    from helpdesk.headers import SUBSCRIBER_HEADERS as SUBSCRIBER_HEADERS
    from helpdesk.headers import ColumnMap as ColumnMap
    from helpdesk.headers import HeaderRules as HeaderRules
    from helpdesk.headers import fold_header as fold_header
    from helpdesk.i18n import get_language as get_language
    from helpdesk.i18n import gettext as gettext
    from helpdesk.messages import TokenInserted as TokenInserted
    from helpdesk.messages import TokenRemoved as TokenRemoved
    from helpdesk.plugins.versioning import API_VERSION as API_VERSION
    from helpdesk.printing import JobState as JobState
    from helpdesk.printing import PrintJob as PrintJob
    from helpdesk.reports.counting import count_records as count_records
    from helpdesk.secret import Secret as Secret
    from helpdesk.sheets import Sheet as Sheet
    from helpdesk.sheets import SheetError as SheetError
    from helpdesk.sheets import column_letters as column_letters
    from helpdesk.sheets import read_sheet as read_sheet
    from helpdesk.store import DiskFull as DiskFull
    from helpdesk.store import InvalidData as InvalidData
    from helpdesk.store import NotFound as NotFound
    from helpdesk.store import Record as Record
    from helpdesk.store import Store as Store
    from helpdesk.store import StoreBusy as StoreBusy
    from helpdesk.store import StoreError as StoreError
    from helpdesk.store import Subject as Subject
    from helpdesk.store import Subscriber as Subscriber
    from helpdesk.store import Unit as Unit
    from helpdesk.store import fold as fold
    from helpdesk.store import iso_utc as iso_utc
    from helpdesk.store.numbers import Number as Number
    from helpdesk.store.rows import CheckedSubscribers as CheckedSubscribers
    from helpdesk.store.rows import ColumnShape as ColumnShape
    from helpdesk.store.rows import FieldProblem as FieldProblem
    from helpdesk.store.rows import cert_kind_of as cert_kind_of
    from helpdesk.store.rows import check_subscriber_columns as check_subscriber_columns
    from helpdesk.store.rows import tidy_texts as tidy_texts
    from helpdesk.store.tables import RowValidator as RowValidator
    from helpdesk.store.tables import Table as Table
    from helpdesk.tokens.keyjobs import GeneratedKey as GeneratedKey
    from helpdesk.tokens.keyjobs import KeyRef as KeyRef
    from helpdesk.tokens.keylist import TokenKey as TokenKey
    from helpdesk.tokens.keylist import delete_key_pair as delete_key_pair
    from helpdesk.tokens.keylist import list_keys as list_keys
    from helpdesk.tokens.model import CertInfo as CertInfo
    from helpdesk.tokens.model import Name as Name
    from helpdesk.tokens.model import TokenFlags as TokenFlags
    from helpdesk.tokens.model import TokenInfo as TokenInfo
    from helpdesk.tokens.pkcs11 import PIN_PAD as PIN_PAD
    from helpdesk.tokens.pkcs11 import Pin as Pin
    from helpdesk.tokens.pkcs11 import TokenWorker as TokenWorker
    from helpdesk.workflow.commands import cli_operator as cli_operator
    from helpdesk.workflow.commands import command_context as command_context
    from helpdesk.workflow.commands import pin_stdin_option as pin_stdin_option
    from helpdesk.workflow.commands import read_pin as read_pin
    from helpdesk.workflow.context import Forms as Forms
    from helpdesk.workflow.context import Printed as Printed
    from helpdesk.workflow.context import RecordDraft as RecordDraft
    from helpdesk.workflow.context import WorkflowContext as WorkflowContext
    from helpdesk.workflow.lookup import find_workflow as find_workflow
    from helpdesk.workflow.lookup import registered_workflows as registered_workflows
    from helpdesk.workflow.screen import PinInput as PinInput
    from helpdesk.workflow.screen import StatusLine as StatusLine
    from helpdesk.workflow.screen import WorkflowScreen as WorkflowScreen
    from helpdesk.workflow.screen import describe_error as describe_error
    from helpdesk.workflow.spec import PluginSpec as PluginSpec
    from helpdesk.workflow.spec import RecordTypeSpec as RecordTypeSpec
    from helpdesk.workflow.targets import Target as Target
    from helpdesk.workflow.targets import lazy as lazy
    from helpdesk.workflow.targets import resolve as resolve
    from helpdesk.workflow.types import PIN_STATES as PIN_STATES
    from helpdesk.workflow.types import ROLES as ROLES
    from helpdesk.workflow.types import OperatorRef as OperatorRef
    from helpdesk.workflow.types import Period as Period
    from helpdesk.workflow.types import PluginError as PluginError
    from helpdesk.workflow.types import Problem as Problem
    from helpdesk.workflow.types import RecordAction as RecordAction
    from helpdesk.workflow.types import RecordRefused as RecordRefused
    from helpdesk.workflow.types import Register as Register
    from helpdesk.workflow.types import RegistrationError as RegistrationError
    from helpdesk.workflow.types import ReportRow as ReportRow
    from helpdesk.workflow.types import ReportSection as ReportSection
    from helpdesk.workflow.types import Role as Role
    from helpdesk.workflow.types import ScreenFactory as ScreenFactory
    from helpdesk.workflow.types import Workflow as Workflow

    TokenRemovedError = _errors.TokenRemoved  # renamed: an assignment is exported, an "as" alias is not


__all__ = sorted({*_LAZY, *_RENAMED, "API_VERSION", "_", "gettext", "hookimpl"})
