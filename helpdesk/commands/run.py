"""Start the kiosk TUI (``helpdesk`` with no command)."""

from __future__ import annotations


def run_kiosk(lang: str | None) -> None:
    from helpdesk.app import main

    main(lang)
