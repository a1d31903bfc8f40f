"""Writing an output file whole or not at all (exports, CSRs, signed PDFs, reports)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from helpdesk.errors import HelpdeskError


class FileWriteError(HelpdeskError):
    title = "Cannot write the file"


def write_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` (replacing it): a temp file beside it, fsync, rename,
    fsync the folder. A failure leaves no partial file and raises :class:`FileWriteError`."""
    path = Path(path).expanduser()
    temp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
        temp = None
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError as exc:
        raise FileWriteError("Cannot write {path}: {error}", path=str(path), error=exc.strerror or str(exc)) from exc
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
    return path
