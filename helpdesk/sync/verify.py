"""``helpdesk audit verify --registry``: compare the local audit chain with the hashes
the registry holds for this kiosk. A rewrite of both the chain and ``head.json`` passes
the local check but not this one: the registry's copy was taken before the rewrite."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from helpdesk.store import read_audit
from helpdesk.sync.client import RegistryClient


@dataclass(frozen=True)
class RegistryCheck:
    compared: int
    registry_head: int
    local_head: int
    message: str | None = None  # English msgid when something differs
    params: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.message is None

    def localized(self) -> str:
        from helpdesk.i18n import gettext

        return gettext(self.message or "").format(**self.params)

    def text(self) -> str:
        from helpdesk.i18n import gettext

        if self.ok:
            return gettext("Matches the registry: {count} entries compared (registry head #{head}).").format(
                count=self.compared, head=self.registry_head)
        return gettext("Audit log differs from the registry: {problem}").format(problem=self.localized())

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "compared": self.compared, "registry_head": self.registry_head,
                "local_head": self.local_head, "problem": None if self.ok else self.localized()}


def verify_against_registry(data_dir: Path, kiosk_id: str, client: RegistryClient) -> RegistryCheck:
    local = {e.seq: e.hash for e in read_audit(data_dir)}
    local_head = max(local, default=0)
    registry_head = client.head(kiosk_id).seq
    compared, after = 0, 0
    while True:
        page = client.audit_hashes(kiosk_id, after)
        for item in page.get("entries", []):
            seq, held = int(item["seq"]), str(item["hash"])
            mine = local.get(seq)
            if mine is None:
                return RegistryCheck(compared, registry_head, local_head,
                                     "The registry holds audit entry #{seq} but the local log ends at #{last} (log cut)",
                                     {"seq": seq, "last": local_head})
            if mine != held:
                return RegistryCheck(compared, registry_head, local_head,
                                     "Audit entry #{seq} differs from the registry's copy (the local log was rewritten)",
                                     {"seq": seq})
            compared += 1
        after = page.get("next_after") or 0
        if not after:
            break
    return RegistryCheck(compared, registry_head, local_head)
