"""Record sources for :class:`helpdesk.reports.view.RecordView`.

- :class:`HttpSource`: the registry's query API (``GET /v1/records``, keyset pages,
  read token) — what ``helpdesk report … --source URL`` uses from any machine;
- :class:`SqlSource`: the registry's database itself — what the dashboard uses inside
  the registry process (no HTTP, same rows).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import orjson
from sqlalchemy import ColumnElement, Engine, func, select

from helpdesk.reports.view import SourceError

READ_TOKEN_ENV = "HELPDESK_REGISTRY_READ_TOKEN"
PAGE = 1000


class HttpSource:
    """Pages through ``GET {url}/v1/records?type=&since=`` with the registry's read token."""

    def __init__(self, url: str, token: str | None = None, *, timeout: float = 60.0,
                 client: httpx.Client | None = None) -> None:
        self.url = url.rstrip("/")
        token = token if token is not None else os.environ.get(READ_TOKEN_ENV, "")
        self._client = client or httpx.Client(base_url=self.url, timeout=timeout,
                                              headers={"Authorization": f"Bearer {token}"} if token else {})

    def fetch(self, type: str | None, since: str | None) -> Iterator[Mapping[str, Any]]:
        cursor = 0
        while True:
            params: dict[str, str | int] = {"cursor": cursor, "limit": PAGE}
            if type is not None:
                params["type"] = type
            if since is not None:
                params["since"] = since
            page = self._get("/v1/records", params)
            yield from page["records"]
            cursor = page.get("next_cursor") or 0
            if not cursor:
                return

    def _get(self, path: str, params: Mapping[str, str | int]) -> dict[str, Any]:
        try:
            answer = self._client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise SourceError("Cannot reach the registry at {url}: {error}", url=self.url, error=str(exc)) from exc
        if answer.status_code in (401, 403):
            raise SourceError("The registry at {url} refused the query ({status}): set {env} to its read token",
                              url=self.url, status=answer.status_code, env=READ_TOKEN_ENV)
        if answer.status_code != 200:
            raise SourceError("The registry at {url} answered {status}", url=self.url, status=answer.status_code)
        data: dict[str, Any] = answer.json()
        return data

    def close(self) -> None:
        self._client.close()


class SqlSource:
    """The registry's ``records`` table, read directly (server side)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def fetch(self, type: str | None, since: str | None) -> Iterator[Mapping[str, Any]]:
        from helpdesk.registry.schema import records

        query = select(records.c.body)
        if type is not None:
            query = query.where(records.c.type == type)
        if since is not None:
            query = query.where(records.c.time >= since)
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=5000).execute(query.order_by(records.c.pk))
            for (body,) in result:
                yield orjson.loads(body)

    def _field(self, name: str) -> ColumnElement[Any]:
        """``payload.<name>`` as text, read from the ``payload`` column (no body parsed)."""
        from helpdesk.registry.payload import payload_text

        return payload_text(self.engine.dialect.name, name)

    def count(self, record_type: str, since: str, until: str, by: tuple[str, ...],
              where: Mapping[str, str]) -> Counter[tuple[str, ...]]:
        """One ``GROUP BY`` in the database (same results as :func:`helpdesk.reports.counting.walk`)."""
        from helpdesk.registry.schema import records

        fields = [self._field(f) for f in by]
        query = select(*fields, func.count()).where(records.c.type == record_type, records.c.time >= since,
                                                    records.c.time < until)
        for name, value in where.items():
            query = query.where(func.coalesce(self._field(name), "") == value)
        if fields:
            query = query.group_by(*fields)
        counts: Counter[tuple[str, ...]] = Counter()
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                *keys, n = row
                if n:
                    counts[tuple("" if k is None else str(k) for k in keys)] += int(n)
        return counts
