"""Commits that change several files at once: all of them or none.

Protocol (one folder, so one directory fsync covers every rename):

1. write each new file as ``.tmp-<txid>-<name>`` and fsync it;
2. write the journal (``{"txid", "files"}``) the same way and rename it to
   ``journal.json``, fsync the folder — **the commit point**;
3. rename every temp file over its target, fsync the folder;
4. delete the journal.

At start, :func:`recover` rolls a journalled commit forward (a temp file that is
gone was already renamed, so replay is idempotent) and deletes every other
``.tmp-*`` file, which rolls back a commit that never reached its journal.
A commit of a single file skips the journal: its rename is the commit point.
"""

from __future__ import annotations

import contextlib
import os
import signal
import uuid
from collections.abc import Callable
from pathlib import Path

from helpdesk.store.errors import CommitIncomplete, StoreCorrupt, StoreError
from helpdesk.store.storage import (
    TMP_PREFIX,
    AtomicStorage,
    dumps,
    fsync_dir,
    loads_strict,
    os_error,
    write_fsync,
)

JOURNAL = "journal.json"

# --- fault injection at our own boundary (tests only) -------------------------------
# HELPDESK_STORE_TEST_CRASH_AT="<point>:<n>" makes this process SIGKILL itself the n-th
# time it reaches <point>, so the crash tests hit exact moments of the protocol.
_CRASH_AT = os.environ.get("HELPDESK_STORE_TEST_CRASH_AT", "")
_crash_hits: dict[str, int] = {}


def fault_point(name: str) -> None:
    if not _CRASH_AT:
        return
    point, _, count = _CRASH_AT.partition(":")
    if point != name:
        return
    _crash_hits[name] = _crash_hits.get(name, 0) + 1
    if _crash_hits[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)


# -------------------------------------------------------------------------------------


def _tmp(directory: Path, txid: str, name: str) -> Path:
    return directory / f"{TMP_PREFIX}{txid}-{name}"


def _check_name(name: str) -> None:
    if not name or "/" in name or name.startswith(".") or name == JOURNAL:
        raise StoreCorrupt("Bad file name {name!r} in the journal", name=name)


def write_files(directory: Path, files: dict[str, bytes]) -> None:
    """Replace every ``name`` in ``directory`` with its bytes, atomically as a set.

    Raises :class:`~helpdesk.errors.DiskFull` (or ``StoreError``) with nothing changed
    when the failure comes before the commit point.
    """
    if not files:
        return
    txid = uuid.uuid4().hex
    written: list[Path] = []
    committed = False
    target = directory
    try:
        fault_point("write-start")
        for name, data in files.items():
            target = directory / name
            tmp = _tmp(directory, txid, name)
            written.append(tmp)
            write_fsync(tmp, data)
        fault_point("tmp-written")
        if len(files) == 1:
            (name,) = files
            os.replace(written[0], directory / name)
            committed = True
            fsync_dir(directory)
            return
        target = directory / JOURNAL
        journal_tmp = _tmp(directory, txid, JOURNAL)
        written.append(journal_tmp)
        write_fsync(journal_tmp, dumps({"txid": txid, "files": list(files)}))
        fault_point("journal-written")
        os.replace(journal_tmp, directory / JOURNAL)
        committed = True
        fsync_dir(directory)
        fault_point("journal-committed")
        for i, name in enumerate(files):
            os.replace(_tmp(directory, txid, name), directory / name)
            if i == 0:
                fault_point("mid-replace")
        fsync_dir(directory)
        fault_point("replaced")
        with contextlib.suppress(OSError):  # replaying a finished journal is a no-op
            os.unlink(directory / JOURNAL)
    except OSError as exc:
        if committed:
            # The commit is durable; finish it now (or at next start).
            try:
                recover(directory)
            except (OSError, StoreError) as again:
                raise CommitIncomplete(
                    "A commit was saved but could not be completed ({error}); restart the kiosk to finish it.",
                    error=str(again),
                ) from exc
            return
        for tmp in written:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise os_error(exc, target) from exc


def recover(directory: Path) -> bool:
    """Finish or undo an interrupted commit; remove leftover temp files.

    Returns True when a journalled commit was rolled forward.
    """
    journal = directory / JOURNAL
    replayed = False
    try:
        raw = journal.read_bytes()
    except FileNotFoundError:
        raw = None
    if raw is not None:
        try:
            data = loads_strict(raw)
            txid = str(data["txid"])
            names = [str(n) for n in data["files"]]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise StoreCorrupt("The commit journal {path} is damaged: {error}", path=str(journal), error=str(exc)) from exc
        for name in names:
            _check_name(name)
            tmp = _tmp(directory, txid, name)
            if tmp.exists():
                os.replace(tmp, directory / name)
                replayed = True
        fsync_dir(directory)
        os.unlink(journal)
    for leftover in directory.glob(f"{TMP_PREFIX}*"):
        leftover.unlink()
    fsync_dir(directory)
    return replayed


class Transaction:
    """Collects the storages written during one commit; writes them as one set.

    ``before_commit`` callbacks run first (e.g. write the audit head once per commit),
    ``after_commit`` ones update in-memory indexes only once the files are durable,
    ``after_rollback`` ones forget what the failed commit planned.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.staged: dict[str, AtomicStorage] = {}
        self.before_commit: list[Callable[[], None]] = []
        self.after_commit: list[Callable[[], None]] = []
        self.after_rollback: list[Callable[[], None]] = []

    def stage(self, storage: AtomicStorage) -> None:
        self.staged[storage.path.name] = storage

    def commit(self) -> None:
        for before in self.before_commit:
            before()
        write_files(self.directory, {name: st.serialize() for name, st in self.staged.items()})
        for after in self.after_commit:
            after()

    def rollback(self) -> None:
        for storage in self.staged.values():
            storage.invalidate()
        for after in self.after_rollback:
            after()
