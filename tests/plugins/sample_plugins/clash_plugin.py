"""Test plugin: takes the built-in command name ``token``."""



import click

from helpdesk import hookimpl


@hookimpl
def helpdesk_register_commands(cli: click.Group) -> None:
    cli.add_command(click.Command("token", callback=lambda: None))
