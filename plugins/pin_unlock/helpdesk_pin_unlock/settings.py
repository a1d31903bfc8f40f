"""The plugin's settings: the ``[pin_unlock]`` table of ``helpdesk.toml``.

```toml
[pin_unlock]
pin_min_length = 6          # intersected with the token's own CK_TOKEN_INFO limits
pin_max_length = 16
so_pin_held = ["*"]         # serial/label patterns of the batches whose SO PIN this desk holds
issuer = "Cục Chứng thực số và Bảo mật thông tin, Ban Cơ yếu Chính phủ"   # Mẫu 06 goes to

[pin_unlock.contact]        # who coordinates recoveries with the issuer (Mẫu 06)
name = "Trần Văn Bình"
national_id = "092080001234"
id_issued_on = "01/02/2021"
id_issued_at = "Cục Cảnh sát QLHC về TTXH"
position = "Chuyên viên"
agency = "Sở Nội vụ thành phố Cần Thơ"
phone = "0292 3820 123"
```
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from helpdesk.errors import ConfigError
from helpdesk.forms import nfc

if TYPE_CHECKING:
    from helpdesk.config import Settings
    from helpdesk.tokens.model import TokenInfo

SECTION = "pin_unlock"
DEFAULT_MIN, DEFAULT_MAX = 6, 16
DEFAULT_ISSUER = "Cục Chứng thực số và Bảo mật thông tin, Ban Cơ yếu Chính phủ"


@dataclass(frozen=True)
class Contact:
    """The person coordinating recoveries with the issuer (Mẫu 06 contact block)."""

    name: str = ""
    national_id: str = ""
    id_issued_on: str = ""
    id_issued_at: str = ""
    position: str = ""
    agency: str = ""
    phone: str = ""


@dataclass(frozen=True)
class UnlockSettings:
    pin_min_length: int = DEFAULT_MIN
    pin_max_length: int = DEFAULT_MAX
    so_pin_held: tuple[str, ...] = ("*",)
    contact: Contact = field(default_factory=Contact)
    issuer: str = DEFAULT_ISSUER  # to whom the Mẫu 06 request goes

    def holds_so_pin(self, token: TokenInfo) -> bool:
        """Whether this desk holds the SO PIN (PUK) of the token's batch."""
        return any(
            fnmatch.fnmatchcase(token.serial, pattern) or fnmatch.fnmatchcase(token.label, pattern)
            for pattern in self.so_pin_held
        )


def _int(raw: Mapping[str, Any], key: str, default: int) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 255:
        raise ConfigError("[pin_unlock] {key} must be a whole number from 1 to 255", key=key)
    return value


def unlock_settings(settings: Settings) -> UnlockSettings:
    """Read ``[pin_unlock]`` (all optional); a bad value is a ConfigError naming it."""
    raw = settings.extra.get(SECTION, {})
    if not isinstance(raw, Mapping):
        raise ConfigError("[pin_unlock] must be a table")
    low = _int(raw, "pin_min_length", DEFAULT_MIN)
    high = _int(raw, "pin_max_length", DEFAULT_MAX)
    if low > high:
        raise ConfigError("[pin_unlock] pin_min_length is larger than pin_max_length")
    held = raw.get("so_pin_held", ["*"])
    if isinstance(held, str):
        held = [held]
    if not isinstance(held, list) or not all(isinstance(p, str) for p in held):
        raise ConfigError("[pin_unlock] so_pin_held must be a list of serial or label patterns")
    contact_raw = raw.get("contact", {})
    if not isinstance(contact_raw, Mapping):
        raise ConfigError("[pin_unlock.contact] must be a table")
    known = {f.name for f in fields(Contact)}
    contact = Contact(**{k: nfc(str(v)).strip() for k, v in contact_raw.items() if k in known})
    issuer = nfc(str(raw.get("issuer", DEFAULT_ISSUER))).strip() or DEFAULT_ISSUER
    return UnlockSettings(low, high, tuple(p.strip() for p in held if p.strip()), contact, issuer)
