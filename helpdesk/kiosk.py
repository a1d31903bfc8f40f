"""The kiosk's services, wired once: settings, record store, token worker, forms, plugins.

Used by the TUI (``make_app``), by CLI commands that need plugins' record types,
forms or token choices (:func:`make_token_worker`), and by plugin tests, so every
entry point sees the same wiring:
plugins' translations are added, their record types registered in the store, their
forms in the form registry, and every committed record is passed to
``helpdesk_record_saved``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from helpdesk.config import Settings

if TYPE_CHECKING:
    from helpdesk.forms import FormRegistry
    from helpdesk.plugins.manager import PluginFailure
    from helpdesk.store import Store
    from helpdesk.tokens.model import TokenInfo
    from helpdesk.tokens.modules import ModuleRegistry
    from helpdesk.tokens.pkcs11 import TokenWorker
    from helpdesk.workflow.context import RecordDraft, WorkflowContext
    from helpdesk.workflow.types import OperatorRef, Problem, RecordAction


@dataclass
class Kiosk:
    settings: Settings
    store: Store
    worker: TokenWorker
    forms: FormRegistry
    plugin_failures: list[PluginFailure] = field(default_factory=list)
    record_actions: tuple[RecordAction, ...] = ()
    _owns_worker: bool = False

    def context(self, operator: OperatorRef, token: TokenInfo | None) -> WorkflowContext:
        """What a workflow screen gets when the operator opens it."""
        from helpdesk.workflow.context import WorkflowContext

        return WorkflowContext(token=token, settings=self.settings, store=self.store, worker=self.worker,
                               operator=operator, form_registry=self.forms, validate=_validate,
                               actions=self.record_actions)

    def close(self) -> None:
        if self._owns_worker:
            self.worker.stop()
        self.store.close()

    def __enter__(self) -> Kiosk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_kiosk(settings: Settings, *, worker: TokenWorker | None = None, store: Store | None = None) -> Kiosk:
    from helpdesk import i18n, plugins
    from helpdesk.forms import FormRegistry
    from helpdesk.store import open_store

    failures: list[Any] = []
    catalogs = plugins.collect_catalogs()
    for folder in catalogs.value:
        i18n.add_catalog_dir(folder)
    failures += catalogs.failures
    store = store or open_store(settings.data_dir, settings.kiosk_id)
    failures += plugins.collect_record_types(store.register_record_type).failures
    forms = FormRegistry()
    failures += plugins.collect_forms(forms.register).failures
    actions = plugins.collect_record_actions()
    failures += actions.failures
    store.add_listener(_record_saved)
    owns = worker is None
    worker = worker or make_token_worker(settings)
    return Kiosk(settings, store, worker, forms, failures, actions.value, owns)


def make_token_worker(settings: Settings) -> TokenWorker:
    """The token worker (started), plugins choosing a card's PKCS#11 library
    (``helpdesk_identify_token``) before the settings' tables do."""
    from helpdesk import plugins
    from helpdesk.tokens.service import make_worker

    return make_worker(settings, plugin_chooser=plugins.identify_token)


def make_module_registry(settings: Settings) -> ModuleRegistry:
    """The PKCS#11 library registry with the same plugin wiring (no worker started)."""
    from helpdesk import plugins
    from helpdesk.tokens.service import make_registry

    return make_registry(settings, plugin_chooser=plugins.identify_token)


def _validate(draft: RecordDraft) -> list[Problem]:
    from helpdesk import plugins

    return plugins.validate_record(draft).value


def _record_saved(record: Any) -> None:
    from helpdesk import plugins

    plugins.record_saved(record)
