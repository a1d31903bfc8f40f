"""Files on disk: strict JSON, atomic replace, and TinyDB's storage interface.

TinyDB's own ``JSONStorage`` rewrites its file in place, so a crash mid-write leaves
a torn or silently truncated file. Here every file is only ever replaced whole:
write a temp file, fsync it, ``os.replace`` it over the old one, fsync the folder.
Writes go through a :class:`~helpdesk.store.journal.Transaction` so several files
change together or not at all. Loading rejects duplicate keys, which is how a torn
in-place write usually still "parses".
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb.storages import Storage

from helpdesk.store.errors import DiskFull, StoreCorrupt, StoreError

if TYPE_CHECKING:
    from helpdesk.store.journal import Transaction

Tables = dict[str, dict[str, Any]]
TMP_PREFIX = ".tmp-"
_SPACE_ERRORS = {errno.ENOSPC, errno.EDQUOT}


class DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(f"duplicate key {key!r}")
            seen.add(key)
    return obj


def loads_strict(raw: bytes) -> Any:
    """Parse UTF-8 JSON, refusing duplicate keys and NaN/Infinity."""

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=no_constants)


def _dumps_stdlib(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


try:  # orjson writes the same bytes ~10x faster (whole segments and roster shards)
    import orjson

    def dumps(data: Any) -> bytes:
        """Compact UTF-8 JSON; byte-for-byte what ``json.dumps(…, ensure_ascii=False)`` gives."""
        try:
            return orjson.dumps(data)
        except TypeError:  # e.g. an integer beyond 64 bits: the standard library copes
            return _dumps_stdlib(data)

except ImportError:  # pragma: no cover - orjson is a declared dependency
    dumps = _dumps_stdlib


def load_tables(path: Path) -> Tables | None:
    """A TinyDB-layout file (``{table: {doc_id: doc}}``), or None when absent."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError("Cannot read {path}: {error}", path=str(path), error=exc.strerror or str(exc)) from exc
    try:
        data = loads_strict(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreCorrupt("File {path} is damaged: {error}", path=str(path), error=str(exc)) from exc
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise StoreCorrupt("File {path} is damaged: {error}", path=str(path), error="not a table map")
    return data


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_fsync(path: Path, data: bytes) -> None:
    """Create ``path`` (must not exist), write all of ``data`` and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def os_error(exc: OSError, path: Path) -> StoreError:
    """The operator-facing error for a failed write."""
    if exc.errno in _SPACE_ERRORS:
        return DiskFull(
            "No space left on the disk holding {path}; nothing was saved. Free some space and try again.",
            path=str(path),
        )
    return StoreError("Cannot write {path}: {error}", path=str(path), error=exc.strerror or str(exc))


class AtomicStorage(Storage):
    """TinyDB storage for one file; keeps the data in memory after the first read.

    ``write`` does not touch the disk: it stages this file in the current transaction,
    which writes every staged file atomically when it commits. If the transaction
    fails, :meth:`invalidate` drops the in-memory copy so the next read sees the disk.
    """

    def __init__(self, path: Path, transaction: Callable[[], Transaction | None]) -> None:
        self.path = path
        self._transaction = transaction
        self._data: Tables | None = None
        self._loaded = False
        self._bytes: bytes | None = None  # serialisation of _data, until the next write

    def read(self) -> Tables | None:
        if not self._loaded:
            self._data = load_tables(self.path)
            self._loaded = True
        return self._data

    def write(self, data: Tables) -> None:
        tx = self._transaction()
        if tx is None:
            raise StoreError("Internal error: write to {path} outside a transaction", path=str(self.path))
        self._data = data
        self._loaded = True
        self._bytes = None
        tx.stage(self)

    def serialize(self) -> bytes:
        if self._bytes is None:
            self._bytes = dumps(self._data or {})
        return self._bytes

    def invalidate(self) -> None:
        self._data = None
        self._loaded = False
        self._bytes = None

    def close(self) -> None:
        pass
