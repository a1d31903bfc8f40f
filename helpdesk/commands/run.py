"""Start the kiosk TUI (or, until the shell exists on this machine, list tokens)."""

from __future__ import annotations


def run_kiosk(lang: str | None) -> None:
    try:
        from helpdesk.app import main as app_main
    except ImportError:
        from helpdesk.commands.token import print_token_list

        print_token_list(as_json=False)
        return
    app_main(lang)
