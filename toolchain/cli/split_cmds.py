"""`split`: cut a model into a device head and an aggregator tail, or sweep every cut."""
from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from toolchain.errors import MismatchError, ToolchainError

DEFAULT_SWEEP_BOARD = "qemu_mps2_an386"


@click.command("split")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--at", "after", type=int, default=None,
              help="Cut after this operator (numbered as in `tinylarge inspect`): the head runs 0..AT.")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Directory for head.tflite and tail.tflite (with --at).")
@click.option("--check-samples", default=20, show_default=True, type=click.IntRange(0),
              help="Random inputs run through the whole model and head -> tail in TFLM (0: no check).")
@click.option("--sweep", is_flag=True, help="Instead of cutting: a table of every possible cut and a plot.")
@click.option("--board", default=DEFAULT_SWEEP_BOARD, show_default=True, help="Board of the sweep (clock, memory).")
@click.option("--link-bps", default=115_200, show_default=True, type=int, help="Link speed of the sweep, bit/s.")
@click.option("--measure", is_flag=True,
              help="Sweep: build each head and count its instructions on the board's QEMU (slow) instead of "
                   "estimating them from MACs.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None,
              help="Sweep: PNG to write (default split-sweep-MODEL.png).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def split_command(model: str, after: int | None, out_dir: str | None, check_samples: int, sweep: bool, board: str,
                  link_bps: int, measure: bool, plot_path: str | None, as_json: bool) -> None:
    """Write MODEL's head (device) and tail (aggregator) as two .tflite models, or --sweep every cut."""
    if sweep:
        if after is not None:
            raise ToolchainError("give either --at OP -o DIR or --sweep")
        _sweep(model, board, link_bps, measure, plot_path, as_json)
        return
    if after is None or out_dir is None:
        raise ToolchainError("give --at OP -o DIR (or --sweep)")
    _split(model, after, out_dir, check_samples, as_json)


def _split(model: str, after: int, out_dir: str, check_samples: int, as_json: bool) -> None:
    from toolchain.model.reader import read_model
    from toolchain.split import write_split
    from toolchain.split.check import check_cuts

    graph = read_model(model)
    files = write_split(graph, after, out_dir)
    check = check_cuts(graph, [after], check_samples)[0] if check_samples else None
    if as_json:
        click.echo(json.dumps({"model": model, "after": after, "head": str(files.head_path),
                               "tail": str(files.tail_path), "cut_tensors": list(files.cut_tensors),
                               "payload_bytes": files.payload_bytes,
                               "check": None if check is None else {"samples": check.samples,
                                                                    "exact_samples": check.exact_samples}},
                              indent=2))
    else:
        click.echo(f"head: operators 0..{after} -> {files.head_path}")
        click.echo(f"tail: operators {after + 1}..{len(graph.operators) - 1} -> {files.tail_path}")
        click.echo(f"cut tensors ({files.payload_bytes:,} B per inference): {', '.join(files.cut_tensors)}")
        if check is not None:
            click.echo(f"head -> tail equals the whole model (TFLM) on {check.exact_samples} of {check.samples} "
                       "random inputs")
    if check is not None and not check.bit_exact:
        raise MismatchError(f"head -> tail differs from the whole model on {check.samples - check.exact_samples} "
                            f"of {check.samples} inputs")


def _sweep(model: str, board_name: str, link_bps: int, measure: bool, plot_path: str | None, as_json: bool) -> None:
    from pathlib import Path

    from toolchain.boards import load_board
    from toolchain.model.reader import read_model
    from toolchain.split.plot import plot_sweep
    from toolchain.split.sweep import sweep

    board = load_board(board_name)
    graph = read_model(model)
    console = Console(stderr=True)
    report = sweep(graph, board, link_bps, measure, progress=lambda message: console.print(f"[dim]{message}[/dim]"))
    report.plot = str(plot_sweep(report, plot_path or f"split-sweep-{Path(model).stem}.png"))
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
        return
    _print_sweep(report)


def _print_sweep(report) -> None:
    table = Table(title=f"{report.model}: every cut on {report.board} ({report.clock_hz / 1e6:g} MHz), "
                        f"{report.link_bps:,} bit/s link")
    columns = ("cut after", "sent B", "wire B", "device instr.", "source", "head flash B", "head arena B",
               "device ms", "link ms", "latency ms")
    for column in columns:
        table.add_column(column, justify="left" if column in ("cut after", "source") else "right")
    for r in report.rows:
        mark = " *" if r.after == report.recommended else ""
        table.add_row(r.label + mark, f"{r.payload_bytes:,}", f"{r.wire_bytes:,}", f"{r.device_instructions:,}",
                      r.instructions_source, f"{r.head_flash_bytes:,}" + ("" if r.fits else " (no fit)"),
                      f"{r.head_arena_bytes:,}", f"{r.device_ms:.1f}", f"{r.link_ms:.1f}", f"{r.latency_ms:.1f}")
    console = Console() if Console().is_terminal else Console(width=160)  # pipes and files get whole columns
    console.print(table)
    for after, reason in report.refused.items():
        console.print(f"no cut after operator {after}: {reason}")
    for title, after in (("recommended (*)", report.recommended), ("fastest split", report.recommended_split)):
        best = next((r for r in report.rows if r.after == after), None)
        console.print(f"{title}: cut after {best.label}, {best.latency_ms:.1f} ms per inference, "
                      f"{best.payload_bytes:,} B sent" if best else f"{title}: none fits the board")
    console.print(f"plot: {report.plot}")


COMMANDS: list[click.Command] = [split_command]
