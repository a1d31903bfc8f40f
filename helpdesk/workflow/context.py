"""The verbs a plugin uses: ``ctx.commit``, ``ctx.next_number``, ``ctx.forms``,
``ctx.print``, ``ctx.table``, and the token worker.

A plugin says *what*; validation (every plugin's ``helpdesk_validate_record``), the
one commit of record + audit + outbox, numbering, archiving and printing happen here,
in one place. Every verb blocks (disk, ReportLab, CUPS, token): call it from a thread
worker (``WorkflowScreen.run_job``), never on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpdesk.errors import PrintError
from helpdesk.workflow.types import OperatorRef, Problem, RecordAction, RecordRefused

if TYPE_CHECKING:
    from helpdesk.config import Settings
    from helpdesk.forms import FormDocument, FormRegistry
    from helpdesk.printing import JobState, PrintJob
    from helpdesk.store import Record, Store, Subject
    from helpdesk.store.numbers import Number
    from helpdesk.store.tables import RowValidator, Table
    from helpdesk.tokens.model import TokenInfo
    from helpdesk.tokens.pkcs11 import TokenWorker

#: ``(record_type, subject, payload)`` for :meth:`WorkflowContext.commit_many`.
RecordItem = tuple[str, "Subject | Mapping[str, Any] | None", Mapping[str, Any]]


@dataclass(frozen=True)
class RecordDraft:
    """A record about to be saved, as ``helpdesk_validate_record`` sees it (no id yet)."""

    type: str
    subject: Mapping[str, Any]
    payload: Mapping[str, Any]
    operator: str


@dataclass(frozen=True)
class Printed:
    """What became of one paper: always archived; printed or not (and why)."""

    path: Path
    job: PrintJob | None = None
    state: JobState | None = None
    error: PrintError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.state in (None, "completed", "pending", "processing")


class Forms:
    """``ctx.forms``: the form registry, bound to this kiosk's organisation."""

    def __init__(self, registry: FormRegistry, settings: Settings) -> None:
        self._registry = registry
        self._settings = settings

    def __contains__(self, form_id: object) -> bool:
        return form_id in self._registry

    def names(self) -> list[str]:
        return self._registry.names()

    def build(self, form_id: str, record: Any) -> FormDocument:
        return self._registry.build(form_id, self._settings.organisation, record)

    def render(self, form_id: str, record: Any) -> bytes:
        """PDF bytes of the registered form ``form_id`` for ``record``."""
        return self._registry.render(form_id, self._settings.organisation, record)


@dataclass
class WorkflowContext:
    """What a workflow (screen or command) may use; the kiosk builds one per workflow."""

    token: TokenInfo | None  # the token in the reader when the workflow was opened
    settings: Settings
    store: Store  # read: records(), get(), history(), subscribers, units; write through the verbs below
    worker: TokenWorker  # every PKCS#11 call; wait on its futures in a thread worker
    operator: OperatorRef
    form_registry: FormRegistry
    validate: Callable[[RecordDraft], Sequence[Problem]] = field(default=lambda draft: ())
    actions: Sequence[RecordAction] = ()  # every plugin's actions on saved records
    forms: Forms = field(init=False)

    def __post_init__(self) -> None:
        self.forms = Forms(self.form_registry, self.settings)

    # ---- records --------------------------------------------------------------------
    def check(self, record_type: str, subject: Subject | Mapping[str, Any] | None,
              payload: Mapping[str, Any]) -> list[Problem]:
        """Every plugin's problems with this record (errors and warnings), without saving."""
        from helpdesk.store import Subject

        draft = RecordDraft(record_type, Subject.coerce(subject).to_dict(), dict(payload), self.operator.id)
        return list(self.validate(draft))

    def commit(self, record_type: str, subject: Subject | Mapping[str, Any] | None, payload: Mapping[str, Any],
               *, number: Number | None = None) -> Record:
        """Validate (all plugins), then save record + audit + outbox in one commit.

        Raises :class:`RecordRefused` (nothing saved) when a plugin reports an error.
        ``helpdesk_record_saved`` runs after the commit is durable.
        """
        return self.commit_many([(record_type, subject, payload)], number=number)[0]

    def commit_many(self, items: Sequence[RecordItem], *, number: Number | None = None) -> list[Record]:
        """Several records in one commit (all or none), e.g. a batch on one paper."""
        problems = [problem for kind, subject, payload in items for problem in self.check(kind, subject, payload)]
        if any(p.severity == "error" for p in problems):
            raise RecordRefused(problems)
        return self.store.commit_many([(t, s, p, self.operator.id) for t, s, p in items], number=number)

    def void(self, record_id: str, reason: str) -> Record:
        """Cancel a record: a new ``void`` record naming it and why (the old one stays)."""
        return self.store.void(record_id, reason, self.operator.id)

    def record_actions(self, record_type: str) -> list[RecordAction]:
        """Other plugins' actions on a saved record of ``record_type`` (offer them after a save)."""
        return [a for a in self.actions if record_type in a.record_types]

    # ---- numbering ------------------------------------------------------------------
    @contextmanager
    def next_number(self, series: str, year: int | None = None, *, floor: int = 0) -> Iterator[Number]:
        """The next number of ``series`` this year, gap-free: commit with ``number=`` inside the block.

        ``with ctx.next_number("BB") as n: ctx.commit(..., payload={"number": ctx.number_text(n)}, number=n)``.
        ``floor``: the last number a plugin already used before the shared counter (migration).
        """
        with self.store.numbers.next(series, year or datetime.now().astimezone().year, floor=floor) as number:
            yield number

    def number_text(self, number: Number) -> str:
        """``12/BB-SNV``: the number with this department's code."""
        return number.text(self.settings.organisation.code)

    # ---- plugin tables --------------------------------------------------------------
    def table(self, name: str, *, synced: bool | None = None, validate: RowValidator | None = None) -> Table:
        """The plugin table ``name`` ("plugin.table"): crash-safe rows, each change audited;
        ``synced=True`` also queues each change for the registry. The first opening sets
        the options; later ones may leave them out, and contradicting them raises
        ``InvalidData``."""
        return self.store.tables.open(name, synced=synced, validate=validate)

    # ---- paper ----------------------------------------------------------------------
    def archive(self, pdf: bytes, kind: str, key: str, *, when: datetime | None = None) -> Path:
        """Archive the PDF durably under ``archive/YYYY/MM/<kind>-<key>.pdf`` (never replaced)."""
        from helpdesk.printing import archive_pdf

        return archive_pdf(self.settings, kind, key, pdf, when=when)

    def print(self, pdf: bytes, copies: int | None = None, *, kind: str, key: str, title: str = "",
              when: datetime | None = None, wait: float = 0.0, printer: str | None = None,
              on_state: Callable[[str], None] | None = None, cancelled: Callable[[], bool] | None = None) -> Printed:
        """Archive first, then print through CUPS and follow the job for up to ``wait`` s.

        Printer problems come back in :attr:`Printed.error`, never raised: the PDF is
        archived by then and the operator can print again.
        """
        from helpdesk.printing import print_pdf, wait_for_job

        path = self.archive(pdf, kind, key, when=when)
        try:
            job = print_pdf(path, self.settings.printer if printer is None else printer,
                            self.settings.print_copies if copies is None else copies, title=title or f"{kind} {key}")
            if on_state is not None:
                on_state("pending")
            state: JobState | None = None
            if wait > 0:
                state = wait_for_job(job, wait, cancelled=cancelled)
                if on_state is not None:
                    on_state(state)
                if state in ("aborted", "cancelled"):
                    return Printed(path, job, state, PrintError("Printer {printer} did not print the job ({state})",
                                                                printer=job.printer, state=state))
            return Printed(path, job, state)
        except PrintError as exc:
            return Printed(path, None, None, exc)

    # ---- time -----------------------------------------------------------------------
    def now(self) -> datetime:
        """Local time, aware."""
        return datetime.now().astimezone()
