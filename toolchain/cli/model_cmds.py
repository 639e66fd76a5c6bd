"""`inspect` and `boards`."""
import click

COMMANDS: list[click.Command] = []
