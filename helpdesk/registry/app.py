"""The registry's HTTP API (FastAPI; the OpenAPI document is at ``/openapi.json``).

- ``POST /v1/batches`` — a signed batch; answers per-record acks and the new audit head
  (401 not enrolled / revoked / bad signature, 409 replayed or audit gap/fork, 400 malformed);
- ``GET /v1/kiosks/{id}/head`` and ``/audit`` — the audit head and hashes held for a kiosk
  (hashes only: what a kiosk needs to resume and ``audit verify --registry`` to compare);
- ``GET /v1/records``, ``/v1/flags``, ``/v1/kiosks`` — queries, paginated, for holders
  of the read token (``HELPDESK_REGISTRY_READ_TOKEN``; without one they answer 403).
"""

from __future__ import annotations

import hmac
import os
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from helpdesk import __version__
from helpdesk.registry import queries
from helpdesk.registry.errors import BadBatch, RegistryError, TooLarge, UnknownKiosk
from helpdesk.registry.ingest import ingest
from helpdesk.registry.kiosks import get_kiosk, list_kiosks

READ_TOKEN_ENV = "HELPDESK_REGISTRY_READ_TOKEN"
MAX_BATCH_BYTES = 64 * 1024 * 1024  # ~100k records; offline bundles go through `registry import`

_ENTRY = {"type": "object", "description": "An audit entry: seq, time, kiosk_id, operator, action, ref, count, "
                                           "digest, prev, hash"}
_RECORD = {"type": "object", "description": "A record: id (UUID), kiosk_id, operator, time, type, subject, payload"}
BATCH_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object",
    "description": "A batch signed with the kiosk's enrolled Ed25519 key over canonical JSON (every field but "
                   "signature; NFC strings, sorted keys, no whitespace, no floats).",
    "required": ["protocol", "kind", "batch_id", "kiosk_id", "created", "audit", "records", "signature"],
    "properties": {
        "protocol": {"type": "string", "enum": ["helpdesk.sync/1"]},
        "kind": {"type": "string", "enum": ["batch"]},
        "batch_id": {"type": "string", "format": "uuid"},
        "kiosk_id": {"type": "string"},
        "created": {"type": "string", "format": "date-time"},
        "audit": {"type": "array", "items": _ENTRY, "description": "A contiguous run of the kiosk's audit chain"},
        "records": {"type": "array", "items": _RECORD},
        "signature": {"type": "string", "description": "base64 Ed25519 signature"},
    }}}}}}


def create_app(engine: Engine, read_token: str | None = None) -> FastAPI:
    """The ASGI app over an engine whose schema is up to date (:func:`helpdesk.registry.db.open_db`)."""
    token = read_token if read_token is not None else os.environ.get(READ_TOKEN_ENV, "")
    app = FastAPI(title="helpdesk registry", version=__version__,
                  description="Home Affairs registry: signed record batches from help-desk kiosks.")

    @app.exception_handler(RegistryError)
    async def registry_error(request: Any, exc: RegistryError) -> JSONResponse:
        return JSONResponse(exc.to_json(), status_code=exc.status)

    def reader(authorization: Annotated[str | None, Header()] = None) -> None:
        if not token:
            raise HTTPException(403, "Queries are disabled: start the registry with a read token")
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "A valid read token is required", headers={"WWW-Authenticate": "Bearer"})

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.post("/v1/batches", tags=["ingest"], openapi_extra=BATCH_BODY)
    async def post_batch(request: Request) -> Response:
        """Store a signed batch: idempotent per record UUID, acknowledged per record.

        The body is parsed here (orjson), not by a model: the signature covers its exact
        content, and a model pass over thousands of records would cost more than the ingest.
        """
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BATCH_BYTES:
            raise TooLarge("A batch may hold at most {limit} bytes; send smaller batches", limit=MAX_BATCH_BYTES)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BATCH_BYTES:
                raise TooLarge("A batch may hold at most {limit} bytes; send smaller batches", limit=MAX_BATCH_BYTES)
        try:
            batch = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise BadBatch("The batch is not valid JSON: {error}", error=str(exc)) from exc
        result = await run_in_threadpool(ingest, engine, batch)
        return Response(orjson.dumps(result.to_json()), media_type="application/json")

    @app.get("/v1/kiosks/{kiosk_id}/head", tags=["kiosks"])
    def kiosk_head(kiosk_id: str) -> dict[str, Any]:
        """The audit head the registry holds for a kiosk (where its next batch must continue)."""
        with engine.connect() as conn:
            kiosk = get_kiosk(conn, kiosk_id)
        if kiosk is None:
            raise UnknownKiosk("No kiosk {kiosk} is enrolled", kiosk=kiosk_id)
        return {"kiosk_id": kiosk.id, "seq": kiosk.head_seq, "hash": kiosk.head_hash, "time": kiosk.head_time,
                "revoked": kiosk.revoked_at is not None}

    @app.get("/v1/kiosks/{kiosk_id}/audit", tags=["kiosks"])
    def kiosk_audit(kiosk_id: str, after: int = 0,
                    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> dict[str, Any]:
        """Audit hashes held for a kiosk (seq > after), oldest first."""
        return queries.audit_hashes(engine, kiosk_id, after, limit)

    @app.get("/v1/kiosks", tags=["queries"], dependencies=[Depends(reader)])
    def kiosks() -> dict[str, Any]:
        return {"kiosks": [k.to_json() for k in list_kiosks(engine)]}

    @app.get("/v1/records", tags=["queries"], dependencies=[Depends(reader)])
    def records(
        unit: str | None = None, type: str | None = None, kiosk: str | None = None,
        since: Annotated[str | None, Query(description="ISO UTC time, inclusive")] = None,
        until: Annotated[str | None, Query(description="ISO UTC time, exclusive")] = None,
        cursor: int = 0, limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 100,
    ) -> dict[str, Any]:
        """Records by unit, type, kiosk and period; pass ``next_cursor`` back for the next page."""
        return queries.find_records(engine, queries.RecordQuery(unit, type, kiosk, since, until, cursor, limit))

    @app.get("/v1/flags", tags=["queries"], dependencies=[Depends(reader)])
    def flag_list(kiosk: str | None = None) -> dict[str, Any]:
        """Audit gaps, forks and conflicting records, never merged silently."""
        return {"flags": queries.list_flags(engine, kiosk)}

    from helpdesk.registry.dashboard import mount as mount_dashboard

    mount_dashboard(app, engine)  # /dashboard: Home Affairs staff's read-only page (issue 15)
    return app


def app_from_env() -> FastAPI:
    """``uvicorn helpdesk.registry.app:app_from_env --factory`` (database from ``HELPDESK_REGISTRY_DB``)."""
    from helpdesk.registry.db import open_db

    return create_app(open_db())
