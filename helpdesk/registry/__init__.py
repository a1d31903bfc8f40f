"""The Home Affairs registry service (issue 14): where every kiosk's records end up.

- :mod:`helpdesk.registry.schema`: SQL tables (SQLAlchemy Core), migrated by Alembic
  (``migrations/``);
- :mod:`helpdesk.registry.db`: engines (SQLite file by default, PostgreSQL by URL);
- :mod:`helpdesk.registry.kiosks`: enrolment and revocation;
- :mod:`helpdesk.registry.ingest`: signed, idempotent batch ingest with the audit-chain check;
- :mod:`helpdesk.registry.queries`: paginated queries;
- :mod:`helpdesk.registry.app`: the HTTP API (FastAPI; OpenAPI at ``/openapi.json``);
- :mod:`helpdesk.registry.cli`: ``helpdesk registry serve|enroll|revoke|kiosks|flags|import``.
"""
