"""HTTP to the registry (httpx). Network trouble and 5xx answers are
:class:`RegistryUnreachable` (try again later); 4xx answers are :class:`RegistryRefused`."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from helpdesk.store.audit import GENESIS
from helpdesk.sync.errors import RegistryRefused, RegistryUnreachable


@dataclass(frozen=True)
class Head:
    """The audit head the registry holds for a kiosk."""

    seq: int
    hash: str
    time: str | None

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Head:
        return cls(int(raw.get("seq") or 0), str(raw.get("hash") or GENESIS), raw.get("time"))


class RegistryClient:
    def __init__(self, url: str, *, ca: Path | None = None, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(ca)) if ca else True
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout, verify=verify, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise RegistryUnreachable("Cannot reach the registry at {url}: {error}", url=self.url,
                                      error=type(exc).__name__ + (f" ({exc})" if str(exc) else "")) from exc
        if response.status_code >= 500:
            raise RegistryUnreachable("The registry answered {status}", status=response.status_code, url=self.url)
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            info = data if isinstance(data, dict) else {}
            message = str(info.get("message") or info.get("detail") or response.reason_phrase)
            raise RegistryRefused("The registry refused: {reason} (HTTP {status})", status=response.status_code,
                                  code=str(info.get("error", "")), reason=message)
        if not isinstance(data, dict):
            raise RegistryUnreachable("The registry's answer is not JSON (HTTP {status})", status=response.status_code)
        return data

    def head(self, kiosk_id: str) -> Head:
        return Head.from_json(self._call("GET", f"/v1/kiosks/{kiosk_id}/head"))

    def send(self, batch: dict[str, Any]) -> dict[str, Any]:
        answer = self._call("POST", "/v1/batches", content=orjson.dumps(batch),
                            headers={"content-type": "application/json"})
        if not isinstance(answer.get("acks"), list) or not isinstance(answer.get("head"), dict):
            raise RegistryUnreachable("The registry's answer lacks acks")
        return answer

    def audit_hashes(self, kiosk_id: str, after: int = 0, limit: int = 5000) -> dict[str, Any]:
        return self._call("GET", f"/v1/kiosks/{kiosk_id}/audit", params={"after": after, "limit": limit})
