"""`flash` and `hil run`."""
from __future__ import annotations

import click

from toolchain.errors import MismatchError

FLASH_METHODS = ("pio", "openocd", "pyocd", "esptool", "uf2", "emulator")


@click.command("flash")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--port", default=None, help="Serial port or URL, 'auto' (by USB VID:PID); for --method emulator "
                                           "a QEMU GDB server HOST:PORT; for uf2 the boot drive's mount point.")
@click.option("--method", type=click.Choice(FLASH_METHODS), default=None,
              help="Default: the first method in the board file's [flash] table.")
@click.option("--env", default=None, help="PlatformIO env (default: the project's default env).")
def flash_command(directory: str, port: str | None, method: str | None, env: str | None) -> None:
    """Flash the built project in DIRECTORY onto its board."""
    from toolchain.flash import flash_project

    result = flash_project(directory, method=method, port=port, env=env)
    click.echo(f"flashed {result.elf} with {result.method} ({result.target})")
    click.echo(result.detail.strip().splitlines()[-1] if result.detail.strip() else "")


@click.group("hil")
def hil_group() -> None:
    """Hardware-in-the-loop: run the model on a board or an emulator, compare with TFLM."""


@hil_group.command("run")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--port", default=None, help="Serial port or URL (/dev/ttyACM0, socket://host:port, rfc2217://...) "
                                           "or 'auto' (by the board's USB VID:PID).")
@click.option("--emulator", type=click.Choice(["qemu", "renode"]), default=None,
              help="Start this emulator with the UART on a local socket (always stopped afterwards).")
@click.option("--inputs", "inputs_path", type=click.Path(dir_okay=False), default=None,
              help="(N, *input_shape) .npy, or .npz keyed by input tensor index (as `tinylarge verify`).")
@click.option("--dataset", "dataset_path", type=click.Path(dir_okay=False), default=None,
              help=".npz with x (samples) and y (labels): adds accuracy.")
@click.option("--samples", type=int, default=None, help="N seeded random inputs (default 50).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--save-outputs", type=click.Path(dir_okay=False), default=None,
              help="Device outputs, (N, *output_shape) .npy (or .npz per output tensor index).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--junit", type=click.Path(dir_okay=False), default=None, help="Also write JUnit XML here.")
@click.option("--flash", is_flag=True, help="Flash the project first (emulators: load the ELF through GDB).")
@click.option("--env", default=None, help="PlatformIO env of the ELF (default: the project's default env).")
@click.option("--aggregator", default=None, help="Stream every result to this aggregator URL (spooled when down).")
@click.option("--token", default=None, envvar="TINYLARGE_AGGREGATOR_TOKEN", show_envvar=True,
              help="API token for --aggregator: give it in the environment variable or --token-file (a value "
                   "on the command line is visible to every local user in ps, and is warned about).")
@click.option("--token-file", type=click.File("r"), default=None, help="Read the API token from this file.")
@click.option("--device-name", default=None, help="Device name at the aggregator (default: the board id).")
@click.option("--progress/--no-progress", default=None, help="Live progress bar (default: on a terminal).")
def hil_run_command(directory, port, emulator, inputs_path, dataset_path, samples, seed, save_outputs, as_json,
                    junit, flash, env, aggregator, token, token_file, device_name, progress) -> None:
    """Run the project in DIRECTORY on a device and check every output against TFLM."""
    token = _token(token, token_file)
    from hil.report import live_progress, print_table, to_json, write_junit
    from hil.runner import RunOptions, run_project

    options = RunOptions(port=port, emulator=emulator, inputs_path=inputs_path, dataset_path=dataset_path,
                         samples=samples, seed=seed, flash=flash, env=env, save_outputs=save_outputs,
                         aggregator=aggregator, token=token, device_name=device_name)
    with live_progress(progress) as update:
        report = run_project(directory, options, progress=update)
    if junit:
        write_junit(report, junit)
    if as_json:
        click.echo(to_json(report))
    else:
        print_table(report)
    if not report.passed:
        raise MismatchError(report.error or f"{report.samples - report.agreement.exact_samples} of {report.samples} "
                            f"samples differ from TFLM (lost {report.lost}, duplicated {report.duplicated})")


def _token(token: str | None, token_file) -> str | None:
    """--token-file, else $TINYLARGE_AGGREGATOR_TOKEN, else --token (warned about: argv shows in ps)."""
    if token_file is not None:
        if token is not None and _from_command_line("token"):
            raise click.UsageError("give --token or --token-file, not both")
        return token_file.read().strip()
    if token is not None and _from_command_line("token"):
        click.echo("warning: the --token value is visible to every local user (ps); pass it in "
                   "$TINYLARGE_AGGREGATOR_TOKEN or --token-file", err=True)
    return token


def _from_command_line(parameter: str) -> bool:
    from click.core import ParameterSource

    return click.get_current_context().get_parameter_source(parameter) == ParameterSource.COMMANDLINE


COMMANDS = [flash_command, hil_group]
