"""Named form builders. Plugins add theirs (through ``helpdesk_register_forms`` later).

A builder turns the organisation and a record into a :class:`FormDocument`; the record
is whatever the plugin stored (its own type), so the registry stays agnostic of it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from helpdesk.forms.fonts import FormError

if TYPE_CHECKING:
    from helpdesk.config import Organisation
    from helpdesk.forms.layout import FormDocument

FormBuilder = Callable[["Organisation", Any], "FormDocument"]


class FormRegistry:
    """``register(name, builder)``; ``build``/``render`` by name. Names are unique."""

    def __init__(self) -> None:
        self._builders: dict[str, FormBuilder] = {}
        self._lock = threading.Lock()

    def register(self, name: str, builder: FormBuilder) -> None:
        if not name or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise FormError(
                "Bad form name '{name}': use letters, digits, '-', '_' or '.'", name=name
            )
        if not callable(builder):
            raise FormError("The builder for form {name} is not callable", name=name)
        with self._lock:
            if name in self._builders:
                raise FormError("A form named {name} is already registered", name=name)
            self._builders[name] = builder

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._builders)

    def __contains__(self, name: object) -> bool:
        return name in self._builders

    def get(self, name: str) -> FormBuilder:
        try:
            return self._builders[name]
        except KeyError:
            raise FormError("No form named {name} is registered", name=name) from None

    def build(self, name: str, org: Organisation, record: Any) -> FormDocument:
        return self.get(name)(org, record)

    def render(self, name: str, org: Organisation, record: Any) -> bytes:
        """PDF bytes of form ``name`` for ``record`` (blocking: call it from a worker)."""
        return self.build(name, org, record).render()
