"""`tinylarge demo`: the end-to-end run, with progress per step and a closing report."""
from __future__ import annotations

import json
import time

import click
from rich.console import Console
from rich.table import Table

from toolchain.demo import DEFAULT_BOARD, STEPS


@click.command("demo")
@click.option("--board", default=DEFAULT_BOARD, show_default=True, help="Emulated board to run on.")
@click.option("-o", "--out", "out_dir", default="firmware_out/demo", show_default=True,
              type=click.Path(file_okay=False), help="Where models, firmware and the fleet database go.")
@click.option("--epochs", type=click.IntRange(1), help="Training epochs (default: the demo's setting).")
@click.option("--serve", is_flag=True, help="Keep the aggregator and its dashboard running until Ctrl-C.")
@click.option("--split", is_flag=True, help="Split computing: the device runs the student's head, the aggregator "
                                          "its tail (cut where the sweep finds the fastest split).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def demo_command(board: str, out_dir: str, epochs: int | None, serve: bool, split: bool, as_json: bool) -> None:
    """Distill, quantize, generate, build, emulate, HIL-check and aggregate: the whole loop, offline."""
    from toolchain.demo import run_demo

    console = Console(stderr=True)
    started = time.monotonic()

    def say(step: str, message: str) -> None:
        message = message.removeprefix(f"{step}: ")
        console.print(f"[dim]{time.monotonic() - started:6.1f}s[/dim] [bold cyan][{STEPS.index(step) + 1}/"
                      f"{len(STEPS)}] {step}[/bold cyan] {message}")

    def wait_for_ctrl_c(url: str) -> None:
        console.print(f"dashboard: {url}/  (Ctrl-C stops the aggregator)")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass

    report = run_demo(out_dir, board, epochs, say, wait_for_ctrl_c if serve else None, split=split)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
        return
    _print_report(report)


def _print_report(r) -> None:
    table = Table(title="tinylarge demo", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("teacher accuracy (float)", f"{r.teacher_accuracy:.1%}"),
        ("student accuracy, distilled (float)", f"{r.student_float_accuracy:.1%}"),
        ("student accuracy, without teacher (float)", f"{r.baseline_accuracy:.1%}"),
        ("student accuracy, int8 (TFLM)", f"{r.student_int8_accuracy:.1%}"),
        ("device accuracy (emulated board)", "-" if r.device_accuracy is None else f"{r.device_accuracy:.1%}"),
        ("exact match with TFLM", f"{r.exact_match_rate:.1%} of {r.samples} (lost {r.lost}, duplicated {r.duplicated})"),
        (f"{r.latency_unit} per inference (median)", f"{r.latency_median:,}"),
        ("flash / RAM", f"{r.flash_bytes:,} B / {r.ram_bytes:,} B (arena {r.arena_bytes:,} B)"),
        ("offload rate to the teacher", f"{r.offload_rate:.1%}"),
        ("teacher agrees with the device", "-" if r.teacher_agreement is None else f"{r.teacher_agreement:.1%}"),
        ("hard examples for the next round", f"{r.hard_examples} -> {r.hard_examples_path}"),
        ("board / emulator", f"{r.board} / {r.emulator}"),
        *([("split: device runs operators", f"0..{r.split_after}, sends {r.split_payload_bytes:,} B per inference"),
           ("split: stored outputs equal to the whole model", f"{r.split_exact_rate:.1%}")]
          if r.split_after is not None else []),
        ("time", f"{r.seconds:.0f} s"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console = Console()
    console.print(table)
    console.print(f"dashboard: `tinylarge aggregator serve --db {r.aggregator_db}`, then open "
                  "http://127.0.0.1:8700/ (or run the demo with --serve to keep it up)")
    console.print(f"next round: tinylarge distill --data synthetic:vibration:1500 --student-arch ds-cnn "
                  f"--extra-data {r.hard_examples_path} -o <dir>")


COMMANDS: list[click.Command] = [demo_command]
