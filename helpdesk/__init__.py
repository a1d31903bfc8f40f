"""helpdesk — token help-desk kiosk for government signing tokens."""

from importlib.metadata import PackageNotFoundError, version

import pluggy

try:
    __version__ = version("helpdesk")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"

#: Plugins decorate hook implementations with this marker: ``from helpdesk import hookimpl``.
hookimpl = pluggy.HookimplMarker("helpdesk")

__all__ = ["__version__", "hookimpl"]
