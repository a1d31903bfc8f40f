"""Domain errors: each carries a message the operator can read (translated at display)."""

from __future__ import annotations


class HelpdeskError(Exception):
    """An expected failure with a message for the operator.

    ``message`` and ``title`` are English msgids; the UI and CLI translate them with
    :func:`helpdesk.i18n.gettext` so Vietnamese is shown by default. ``params`` fill
    ``{placeholders}`` after translation, so the catalog holds one entry per message.
    """

    title = "Error"
    exit_code = 2

    def __init__(self, message: str, /, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:  # English text, for logs and tracebacks
        return self.message.format(**self.params) if self.params else self.message

    def localized(self) -> str:
        """The message in the current interface language."""
        from helpdesk.i18n import gettext

        # a plugin's error reads as its own catalog says (see i18n.gettext's package)
        text = gettext(self.message, type(self).__module__.partition(".")[0])
        return text.format(**self.params) if self.params else text

    def localized_title(self) -> str:
        from helpdesk.i18n import gettext

        return gettext(self.title, type(self).__module__.partition(".")[0])


class ConfigError(HelpdeskError):
    title = "Configuration error"


class TokenError(HelpdeskError):
    """Anything that went wrong talking to a token or its PKCS#11 library."""

    title = "Token error"


class TokenRemoved(TokenError):
    title = "Token removed"


class TokenNotFound(TokenError):
    title = "Token not found"
    exit_code = 3


class ModuleLoadError(TokenError):
    title = "PKCS#11 library"


class PinIncorrect(TokenError):
    title = "Wrong PIN"


class PinLocked(TokenError):
    title = "PIN locked"


class PinPolicyError(TokenError):
    title = "PIN not accepted"


class ReaderError(HelpdeskError):
    title = "Card reader"


class StoreError(HelpdeskError):
    title = "Record store"


class DiskFull(StoreError):
    title = "Disk full"


class PrintError(HelpdeskError):
    title = "Printer"
