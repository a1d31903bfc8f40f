"""The kiosk's record store: records, audit chain, outbox, subscribers and units.

``open_store(data_dir, kiosk_id)`` is the entry point; see :class:`Store`.
"""

from helpdesk.store.audit import AuditEntry, AuditProblem, VerifyResult, verify_dir
from helpdesk.store.errors import (
    DiskFull,
    InvalidData,
    NotFound,
    StoreBusy,
    StoreCorrupt,
    StoreError,
)
from helpdesk.store.outbox import OutboxEntry
from helpdesk.store.records import (
    RECORD_TYPES,
    Record,
    RecordType,
    RecordTypeRegistry,
    Subject,
    Validator,
    register_record_type,
)
from helpdesk.store.rows import CertKind, Subscriber, Unit, UnitLevel
from helpdesk.store.search import fold
from helpdesk.store.store import Store, iso_utc, open_store, read_audit, verify_path

__all__ = [
    "RECORD_TYPES",
    "AuditEntry",
    "AuditProblem",
    "CertKind",
    "DiskFull",
    "InvalidData",
    "NotFound",
    "OutboxEntry",
    "Record",
    "RecordType",
    "RecordTypeRegistry",
    "Store",
    "StoreBusy",
    "StoreCorrupt",
    "StoreError",
    "Subject",
    "Subscriber",
    "Unit",
    "UnitLevel",
    "Validator",
    "VerifyResult",
    "fold",
    "iso_utc",
    "open_store",
    "read_audit",
    "register_record_type",
    "verify_dir",
    "verify_path",
]
