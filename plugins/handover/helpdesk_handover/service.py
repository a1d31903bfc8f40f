"""After the commit: render the paper, archive it, print it; and reprint from history.

Everything here blocks (ReportLab, fsync, ``lp``, polling CUPS): call it from a thread
worker. The PDF is archived before printing is tried, so a printer problem never loses
the form; rendering is reproducible, so a reprint archives nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from helpdesk.config import Settings
from helpdesk.errors import PrintError
from helpdesk.printing import JobState, PrintJob, archive_pdf, print_pdf, wait_for_job
from helpdesk.store import NotFound, Record, Store
from helpdesk_handover import form
from helpdesk_handover.checks import RECORD_TYPE
from helpdesk_handover.record import batch_of

ARCHIVE_KIND = "handover"
BATCH_KIND = "handover-batch"


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


def archive_name(records: Sequence[Record]) -> tuple[str, str]:
    if len(records) > 1:
        return BATCH_KIND, str(records[0].payload["batch"]["id"])
    return ARCHIVE_KIND, records[0].id


def archive(settings: Settings, records: Sequence[Record], pdf: bytes) -> Path:
    """Archive under ``archive_dir/YYYY/MM`` of the record's local date (reprints land next to it)."""
    kind, key = archive_name(records)
    when = datetime.fromisoformat(records[0].time.replace("Z", "+00:00")).astimezone()
    return archive_pdf(settings, kind, key, pdf, when=when)


def print_archived(settings: Settings, path: Path, records: Sequence[Record], *, copies: int | None = None,
                   printer: str | None = None) -> PrintJob:
    title = f"Biên bản bàn giao {records[0].payload['number']}"
    return print_pdf(path, settings.printer if printer is None else printer,
                     settings.print_copies if copies is None else copies, title=title)


def produce(settings: Settings, records: Sequence[Record], *, print_it: bool = True, copies: int | None = None,
            printer: str | None = None, wait: float = 0.0,
            on_state: Callable[[str], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> Printed:
    """Render, archive, then (optionally) print and poll the job for up to ``wait`` seconds.

    Printer problems come back in :attr:`Printed.error`, never raised: the record is saved
    and the PDF archived by then, and the operator can reprint.
    """
    pdf = form.render(settings.organisation, records)
    path = archive(settings, records, pdf)
    if not print_it:
        return Printed(path)
    try:
        job = print_archived(settings, path, records, copies=copies, printer=printer)
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


def find_record(store: Store, record_id: str) -> Record:
    record = store.get(record_id)
    if record is None or record.type != RECORD_TYPE:
        raise NotFound("No handover record with id {id}", id=record_id)
    return record


def reprint(settings: Settings, store: Store, record_id: str, *, copies: int | None = None,
            printer: str | None = None, wait: float = 0.0) -> Printed:
    """Print the paper of a record (its whole batch) again, from the same archived PDF."""
    records = batch_of(store, find_record(store, record_id))
    return produce(settings, records, copies=copies, printer=printer, wait=wait)
