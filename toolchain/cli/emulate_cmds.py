"""`tinylarge emulate DIR --emulator qemu|renode`: run the built firmware headless, print the
console UART's URL, stop the emulator on Ctrl-C (or SIGTERM)."""
from __future__ import annotations

import signal
from pathlib import Path

import click

from toolchain.emulators.launch import EMULATORS, default_emulator, start_emulator
from toolchain.firmware.project import load_project


def _stop_on_sigterm() -> None:
    # SIGTERM unwinds like Ctrl-C, so the `with` below stops the emulator either way.
    signal.signal(signal.SIGTERM, signal.default_int_handler)


@click.command("emulate")
@click.argument("project_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--emulator", type=click.Choice(EMULATORS), default=None,
              help="Default: Renode where it models the board, else the board's QEMU machine.")
@click.option("--env", "env_name", default=None, help="PlatformIO env whose ELF to run (default: the project's).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Local TCP port for the UART (default: free).")
def emulate(project_dir: Path, emulator: str | None, env_name: str | None, port: int | None) -> None:
    """Start the project's firmware on an emulator and print the serial URL; Ctrl-C stops it."""
    project = load_project(project_dir)
    emulator = emulator or default_emulator(project)
    _stop_on_sigterm()
    try:
        with start_emulator(project, emulator, env=env_name, port=port) as session:  # stopped however it ends
            click.echo(session.url)
            click.echo(f"{emulator} running {project.board.id} (pid {session.pid}, log {session.log_path}); "
                       "Ctrl-C stops it", err=True)
            code = session.process.wait()
    except KeyboardInterrupt:
        click.echo(f"stopped {emulator}", err=True)
        return
    raise click.ClickException(f"{emulator} exited by itself with code {code}")


COMMANDS = [emulate]
