"""Registry errors; each maps to one HTTP status and a stable ``code``."""

from __future__ import annotations

from typing import Any

from helpdesk.errors import HelpdeskError


class RegistryError(HelpdeskError):
    title = "Registry"
    status = 500
    code = "error"

    def to_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self)}


class BadBatch(RegistryError):
    """The batch is not well formed (400); nothing is stored."""

    status = 400
    code = "bad_batch"


class TooLarge(BadBatch):
    """The request body is over the limit (413); nothing is read further, nothing stored."""

    status = 413
    code = "too_large"


class Unauthorized(RegistryError):
    """Unknown kiosk, revoked kiosk or bad signature (401); nothing is stored."""

    title = "Not authorised"
    status = 401
    code = "unauthorized"


class Replayed(RegistryError):
    """This batch id was already received (409); nothing changes."""

    status = 409
    code = "replayed"


class ChainFlagged(RegistryError):
    """The kiosk's audit chain does not continue from the registry's head (409): a gap or fork."""

    title = "Audit chain"
    status = 409

    def __init__(self, message: str, /, kind: str, seq: int, **params: object) -> None:
        super().__init__(message, seq=seq, **params)
        self.code = f"audit_{kind}"
        self.kind = kind
        self.seq = seq

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "seq": self.seq}


class UnknownKiosk(RegistryError):
    title = "Not found"
    status = 404
    code = "unknown_kiosk"
    exit_code = 3
