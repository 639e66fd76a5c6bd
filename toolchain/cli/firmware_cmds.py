"""tinylarge generate / build / setup-offline: click code only; logic in toolchain.firmware."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("generate")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--board", "-b", required=True, help="board id (boards/*.toml), e.g. qemu_mps2_an386")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="project directory (default firmware_out/<model>-<board>/)")
@click.option("--input", "selftest_input", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="self-test input (.npy); default a random input seeded by the model hash")
def generate_cmd(model: Path, board: str, output: Path | None, selftest_input: Path | None) -> None:
    """Write a PlatformIO firmware project for MODEL on BOARD."""
    from toolchain.firmware.project import generate_project

    output = output or Path("firmware_out") / f"{model.stem}-{board}"
    project = generate_project(model, board, output, selftest_input=selftest_input)
    click.echo(f"generated {project.directory} ({len(project.files)} files) for {project.board.id}, "
               f"model hash {project.model_hash}")
    for env in project.envs:
        mark = " (default)" if env.name == project.default_env else ""
        if env.offline:
            what = "offline, an emulator image (never flashed)" if env.emulator else "offline, for the board"
        else:
            what = f"online: needs the {env.platform_name} platform from the PlatformIO registry ({env.platform})"
        click.echo(f"  env {env.name}{mark}: {what}")


@click.command("build")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--env", "-e", default=None, help="PlatformIO env (default: the project's default env)")
@click.option("--define", "-D", "defines", multiple=True,
              help="extra C define, e.g. -D TL_EXIT_AFTER_SELFTEST (QEMU exits after the self-test)")
@click.option("--verbose", "-v", is_flag=True, help="show PlatformIO's output")
def build_cmd(directory: Path, env: str | None, defines: tuple[str, ...], verbose: bool) -> None:
    """Build a generated project with PlatformIO; report flash and RAM use (exit 3 if it does not fit)."""
    from toolchain.firmware.build import build_project

    result = build_project(directory, env, defines=defines, verbose=verbose)
    click.echo(f"built {result.elf}")
    click.echo(result.memory.describe())


@click.command("setup-offline")
def setup_offline_cmd() -> None:
    """Prepare the project's PlatformIO core dir for offline builds (idempotent)."""
    from toolchain.firmware.offline import setup_offline

    core = setup_offline()
    click.echo(f"offline PlatformIO core ready: {core.core_dir} (tool-scons from SCons {core.scons_version})")


COMMANDS = [generate_cmd, build_cmd, setup_offline_cmd]
