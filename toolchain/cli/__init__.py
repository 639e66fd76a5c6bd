"""The `tinylarge` command: click commands only. Each command parses, calls one stage, prints."""
from __future__ import annotations

import os
import sys

import click

from toolchain.errors import INTERNAL_ERROR_EXIT, INTERRUPTED_EXIT, ToolchainError


class _Group(click.Group):
    """Turns every error into one line on stderr and a defined exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ToolchainError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(INTERRUPTED_EXIT)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug, not bad input: still one line unless asked for more
            if os.environ.get("TINYLARGE_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (set TINYLARGE_DEBUG=1 for a traceback)",
                       err=True)
            sys.exit(INTERNAL_ERROR_EXIT)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tinylarge")
def main() -> None:
    """tinylarge: LargeML models onto microcontrollers, and what the devices see back."""


def _register() -> None:
    from toolchain.cli import model_cmds
    from toolchain.cli import aggregator_cmds
    from toolchain.cli import codegen_cmds
    from toolchain.cli import distill_cmds
    from toolchain.cli import emulate_cmds
    from toolchain.cli import firmware_cmds
    from toolchain.cli import hil_cmds
    from toolchain.cli import demo_cmds
    from toolchain.cli import split_cmds

    for module in (model_cmds, aggregator_cmds, codegen_cmds, distill_cmds, emulate_cmds, firmware_cmds, hil_cmds,
                   demo_cmds, split_cmds):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
