"""Other plugins' workflows, by id: a workflow may offer another one when it is
installed (the unlock screen offers "renewal" for a token only the issuer can unlock).

``find_workflow("renewal")`` is None when no plugin registers it, so the offer is
simply not shown. Open the one found with ``workflow.open(ctx)`` and push its screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from helpdesk.workflow.types import Workflow


def registered_workflows() -> tuple[Workflow, ...]:
    """Every plugin's workflows, as the kiosk's menu lists them (failing plugins left out)."""
    from helpdesk import plugins

    return plugins.collect_workflows().value


def find_workflow(workflow_id: str) -> Workflow | None:
    """The workflow registered as ``workflow_id``, or None when no plugin offers it."""
    return next((w for w in registered_workflows() if w.id == workflow_id), None)


__all__ = ["find_workflow", "registered_workflows"]
