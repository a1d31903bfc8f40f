"""The plugin's settings: the ``[pdf_sign]`` table of ``helpdesk.toml``.

```toml
[pdf_sign]
trust_dir = "/etc/helpdesk/trust"   # PEM/DER root (and intermediate) certificates; default $HELPDESK_HOME/trust
tsa_url = ""                        # RFC 3161 timestamp server: PAdES B-T when set
revocation = "check"                # "check" (CRL/OCSP when reachable) or "off"
fetch_timeout = 5                   # seconds for CRL/OCSP/TSA requests
embed_revocation = true             # PAdES B-LT when revocation data was fetched
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpdesk.extension import ConfigError, Settings

SECTION = "pdf_sign"


@dataclass(frozen=True)
class SignConfig:
    trust_dir: Path
    tsa_url: str = ""
    revocation: bool = True
    fetch_timeout: float = 5.0
    embed_revocation: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> SignConfig:
        raw: Any = settings.extra.get(SECTION, {})
        if not isinstance(raw, dict):
            raise ConfigError("[{section}] in the settings must be a table", section=SECTION)
        trust = raw.get("trust_dir") or settings.home / "trust"
        mode = str(raw.get("revocation", "check"))
        if mode not in ("check", "off"):
            raise ConfigError("[pdf_sign] revocation must be \"check\" or \"off\", not {value}", value=mode)
        try:
            timeout = float(raw.get("fetch_timeout", 5))
        except (TypeError, ValueError):
            raise ConfigError("[pdf_sign] fetch_timeout must be a number of seconds") from None
        return cls(trust_dir=Path(trust).expanduser(), tsa_url=str(raw.get("tsa_url", "")).strip(),
                   revocation=mode == "check", fetch_timeout=timeout,
                   embed_revocation=bool(raw.get("embed_revocation", True)))
