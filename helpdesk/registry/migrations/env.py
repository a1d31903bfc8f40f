"""Alembic environment: run on the connection :func:`helpdesk.registry.db.upgrade` passes."""

from __future__ import annotations

from alembic import context

from helpdesk.registry.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - `alembic` CLI use
    from helpdesk.registry.db import default_url, make_engine

    with make_engine(default_url()).begin() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
