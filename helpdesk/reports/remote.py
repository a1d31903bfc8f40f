"""A :class:`WorkflowContext` whose store is a :class:`RecordView`: report sections run
unchanged over the registry's records.

The context has no token worker and no printer: a section only reads. Paper (the
numbered PDF) is still numbered and recorded by the local store of the machine that
issues the report.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, cast

from helpdesk.reports.view import RecordSource, RecordView

if TYPE_CHECKING:
    from helpdesk.config import Settings
    from helpdesk.workflow.context import WorkflowContext


def view_context(settings: Settings, view: RecordView, operator: str = "registry") -> WorkflowContext:
    """A read-only context over ``view`` (no local store, no token worker)."""
    from helpdesk.forms.registry import FormRegistry
    from helpdesk.workflow.context import WorkflowContext
    from helpdesk.workflow.types import OperatorRef

    return WorkflowContext(token=None, settings=settings, store=cast(Any, view), worker=cast(Any, None),
                           operator=OperatorRef(operator, operator, "operator"), form_registry=FormRegistry())


def over_view(ctx: WorkflowContext, view: RecordView) -> WorkflowContext:
    """``ctx`` (a local command context) reading from ``view`` instead of the local store."""
    return dataclasses.replace(ctx, store=cast(Any, view))


def source_for(spec: str, registry_url: str = "") -> RecordSource | None:
    """``local`` → None; ``registry`` → the configured registry; an http(s) URL → that registry."""
    from helpdesk.errors import HelpdeskError
    from helpdesk.reports.sources import HttpSource

    text = spec.strip()
    if text in ("", "local"):
        return None
    if text == "registry":
        if not registry_url:
            raise HelpdeskError("No registry is configured: give its URL (--source https://…) or set registry_url")
        return HttpSource(registry_url)
    text = text.removeprefix("registry:").removeprefix("registry=")
    if text.startswith(("http://", "https://")):
        return HttpSource(text)
    raise HelpdeskError("Unknown report source {source!r}: use local, registry or the registry's URL", source=spec)
