"""``records.payload``: each record's payload kept beside its canonical body, in a form
the database reads without parsing the body again (JSONB on PostgreSQL, JSON text on
SQLite) — so counting a year of records groups on ``payload->>'field'``.

It holds the body's payload (``{}`` when there is none, as :meth:`Record.from_dict`
reads it), except that U+0000 in a string becomes U+FFFD: JSONB cannot hold U+0000.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, cast, func, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import String

from helpdesk.registry.schema import records

NUL = "\x00"
REPLACEMENT = "\ufffd"


def stored_payload(payload: Any, body: str | None = None) -> Any:
    """The ``payload`` column's value for a record whose body holds ``payload``.

    ``body`` (its canonical JSON) lets the common case skip the walk: a U+0000 in any
    string shows there as the escape ``\\u0000``."""
    if not payload:
        return {}
    if body is not None and "\\u0000" not in body:
        return payload
    return without_nul(payload)


def without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT)
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


def payload_text(dialect: str, *path: str) -> ColumnElement[Any]:
    """``payload.<path>`` as text, as :func:`helpdesk.reports.counting.text_of` shows
    a value: NULL when missing or null, booleans ``true``/``false``, numbers in digits."""
    column = records.c.payload
    if dialect == "postgresql":
        if len(path) == 1:
            field: ColumnElement[Any] = type_coerce(column, JSONB)[path[0]].astext
        else:
            field = type_coerce(column, JSONB)[path].astext
        return field
    # SQLite's json_extract gives 1/0 for true/false: ask json_type for those.
    where = "$" + "".join(f'."{p}"' for p in path)
    kind = func.json_type(column, where)
    return case((kind == "true", "true"), (kind == "false", "false"),
                else_=cast(func.json_extract(column, where), String))
