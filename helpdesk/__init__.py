"""helpdesk — token help-desk kiosk for government signing tokens."""

import pluggy

# The single source of the version (pyproject reads it statically): importlib.metadata
# would cost ~50 ms of every `helpdesk` start.
__version__ = "0.1.0"

#: Plugins decorate hook implementations with this marker: ``from helpdesk import hookimpl``.
hookimpl = pluggy.HookimplMarker("helpdesk")

__all__ = ["__version__", "hookimpl"]
