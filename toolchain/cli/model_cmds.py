"""`inspect` and `boards`."""
from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table

from toolchain.errors import DoesNotFitError, UnsupportedError


@click.command("inspect")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--board", help="Board ID from the catalog: also check that the model fits.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def inspect_command(model: str, board: str | None, as_json: bool) -> None:
    """Per-operator cost of MODEL (.tflite) and the memory it needs."""
    from toolchain.inspect import inspect_model

    report = inspect_model(model, board)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        _print_report(report)
    if report.unsupported_ops:
        first = report.unsupported_ops[0]
        raise UnsupportedError(f"{report.model}: {len(report.unsupported_ops)} operator(s) the code generator does "
                               f"not support, first: operator {first['index']} {first['op']} ({first['types']}): "
                               f"{first['reason']}")
    if report.fit is not None and not report.fit.fits:
        raise DoesNotFitError(f"{report.model} does not fit: {report.fit.describe()}")


def _print_report(report) -> None:
    console = Console()
    table = Table(title=f"{report.model}  (sha256 {report.sha256[:16]})")
    for column in ("#", "operator", "inputs", "outputs", "MACs", "weight B"):
        table.add_column(column, justify="right" if column in ("#", "MACs", "weight B") else "left",
                         no_wrap=column != "inputs" and column != "outputs")
    for c in report.operators:
        table.add_row(str(c.index), c.op, ", ".join(c.inputs), ", ".join(c.outputs),
                      f"{c.macs:,}", f"{c.weight_bytes:,}")
    console.print(table)
    console.print(f"operators {len(report.operators)}   MACs {report.total_macs:,}   "
                  f"weights {report.weight_bytes:,} B")
    tflm = (f"{report.tflm_arena_bytes:,} B" if report.tflm_arena_bytes is not None
            else f"unknown ({report.tflm_error})")
    console.print(f"arena (tinylarge plan) {report.arena_bytes:,} B   arena (TFLM) {tflm}")
    if report.unsupported_ops:
        for u in report.unsupported_ops:
            console.print(f"[red]unsupported[/red]: operator {u['index']} {u['op']} ({u['types']}): {u['reason']}")
    else:
        console.print("all operators supported by the code generator")
    if report.litert_referenced_ops:
        listed = ", ".join(f"{r['index']} {r['op']}" for r in report.litert_referenced_ops)
        console.print(f"reference: LiteRT BUILTIN_REF for operators {listed} (TFLM has no kernel for them), "
                      f"TFLM for the rest")
    if report.fit is not None:
        verdict = "[green]fits[/green]" if report.fit.fits else "[red]does NOT fit[/red]"
        console.print(f"{verdict}: {report.fit.describe()}")


@click.command("boards")
@click.option("--json", "as_json", is_flag=True, help="Print the catalog as JSON.")
def boards_command(as_json: bool) -> None:
    """The board catalog (boards/*.toml)."""
    from toolchain.boards import load_catalog

    catalog = load_catalog()
    if as_json:
        click.echo(json.dumps({k: b.model_dump() for k, b in catalog.items()}, indent=2))
        return
    header = ("board", "core", "features", "flash", "RAM", "clock", "PlatformIO", "emulators")
    rows = []
    for b in catalog.values():
        emulators = [f"qemu:{b.emulators.qemu.machine}"] if b.emulators.qemu else []
        emulators += ["renode"] if b.emulators.renode else []
        rows.append((b.id, b.cpu.core, ",".join(b.cpu.features) or "-", f"{b.memory.flash_bytes // 1024} KiB",
                     f"{b.memory.ram_bytes // 1024} KiB", f"{b.cpu.clock_hz / 1e6:g} MHz",
                     f"{b.platformio.platform}/{b.platformio.board}" + (f" ({b.platformio.framework})"
                                                                        if b.platformio.framework else ""),
                     " ".join(emulators) or "-"))
    if not sys.stdout.isatty():  # a pipe or file has no width to fit: every field in full, one board a line
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        return
    table = Table(title="tinylarge boards")
    for column in header:
        table.add_column(column, no_wrap=column == "board")
    for row in rows:
        table.add_row(*row)
    Console().print(table)

COMMANDS: list[click.Command] = [inspect_command, boards_command]
