"""Schema changes as named functions, applied once each and recorded in ``meta.json``.

Add a change by appending ``mNNN_what(ctx)`` to :data:`MIGRATIONS`; never rename or
reorder one that has shipped. Each runs in its own commit with the record of it
(and an audit entry), so a crash leaves it either applied and recorded or neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb import TinyDB

from helpdesk.store.canonical import digest
from helpdesk.store.errors import StoreError
from helpdesk.store.storage import AtomicStorage

if TYPE_CHECKING:
    from helpdesk.store.store import Store

META_FILE = "meta.json"
FORMAT = "helpdesk-store"


@dataclass
class MigrationContext:
    store: Store
    meta: TinyDB
    now: str


def m001_initial(ctx: MigrationContext) -> None:
    """A new store: the meta table (format, creating kiosk). The log starts empty."""
    ctx.meta.table("meta").insert({"format": FORMAT, "created": ctx.now, "kiosk_id": ctx.store.kiosk_id})


Migration = Callable[[MigrationContext], None]
MIGRATIONS: list[Migration] = [m001_initial]


def open_meta(store: Store) -> tuple[AtomicStorage, TinyDB]:
    storage = AtomicStorage(Path(store.directory) / META_FILE, store.current_transaction)
    return storage, TinyDB(storage=lambda: storage)


def applied(meta: TinyDB) -> list[dict[str, Any]]:
    return [dict(doc) for doc in meta.table("migrations").all()]


def migrate(store: Store, migrations: list[Migration] | None = None) -> list[str]:
    """Apply what is missing, in order; returns the names applied now."""
    migrations = MIGRATIONS if migrations is None else migrations
    _, meta = open_meta(store)
    done = [row["name"] for row in applied(meta)]
    known = [m.__name__ for m in migrations]
    newer = [name for name in done if name not in known]
    if newer:
        raise StoreError(
            "This record store was written by a newer version of helpdesk (migration {name}); upgrade helpdesk",
            name=newer[0],
        )
    ran = []
    for migration in migrations:
        name = migration.__name__
        if name in done:
            continue
        with store.transaction():
            now = store.now()
            migration(MigrationContext(store, meta, now))
            meta.table("migrations").insert({"name": name, "applied": now})
            store.log.append(
                time=now, operator="system", action="migration", ref=name, count=1,
                digest_=digest({"migration": name, "doc": (migration.__doc__ or "").strip()}),
            )
        ran.append(name)
    return ran
