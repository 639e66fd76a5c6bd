"""How a HIL run is shown: a rich table, JSON, JUnit XML, and a live progress bar."""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Callable, Iterator

from junitparser import Failure, TestCase, TestSuite
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from hil.runner import HilReport


def to_json(report: HilReport) -> str:
    return json.dumps(report.to_json(), indent=2)


def print_table(report: HilReport, console: Console | None = None) -> None:
    console = console or Console()
    data = report.to_json()
    table = Table(title=f"HIL {report.model} on {report.board}  (model hash {report.model_hash})")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("boot self-test", report.selftest)
    table.add_row("samples", f"{report.samples}  ({report.inputs_source})")
    table.add_row("exact match", f"{report.agreement.exact_samples}/{report.samples} "
                                 f"({report.agreement.exact_match_rate:.1%})")
    table.add_row("max abs diff", f"{report.agreement.max_abs_diff:g}")
    table.add_row("RMSE", f"{report.agreement.rmse:g}")
    table.add_row("cosine similarity", f"{report.agreement.cosine_similarity:.6f}")
    if report.accuracy is not None:
        table.add_row("accuracy (device / TFLM)", f"{report.accuracy:.1%} / {report.reference_accuracy:.1%}")
    if report.latency is not None:
        lat = report.latency
        table.add_row(f"latency ({lat.unit})", f"median {lat.median:,}  min {lat.min:,}  max {lat.max:,}")
        ms = lat.milliseconds()
        if ms:
            table.add_row("latency (ms)", f"median {ms['median']:.3f}  min {ms['min']:.3f}  max {ms['max']:.3f}")
    elif report.latency_note:
        table.add_row("latency", report.latency_note)
    if data["emulator_instructions"] is not None:
        counted = data["emulator_instructions"]
        table.add_row(f"{counted['emulator']} instructions", f"median {counted['median']:,}  min {counted['min']:,}  "
                                                            f"max {counted['max']:,}")
    table.add_row("lost / duplicated", f"{report.lost} / {report.duplicated}")
    link = data["link"]
    table.add_row("link", f"{link['bytes_out']:,} B out, {link['bytes_in']:,} B in, {link['retransmits']} retransmits, "
                          f"{link['resets']} device resets")
    table.add_row("wall time", f"{report.wall_seconds:.2f} s")
    console.print(table)
    if report.error:
        console.print(f"[red]run stopped[/red]: {report.error}")
    if report.agreement.first_mismatch is not None:
        console.print(f"[red]first mismatch[/red]: sample {report.agreement.first_mismatch}")
    console.print("[green]PASS[/green]" if report.passed else "[red]FAIL[/red]")


def write_junit(report: HilReport, path: str | Path) -> None:
    """One testcase per sample (failure = output differs from TFLM, or no result), plus one for
    the accounting (lost / duplicated)."""
    suite = TestSuite(f"hil.{report.model}.{report.board}")
    mismatched = set(_mismatched_samples(report))
    answered = len(report.counters)
    for index in range(report.samples):
        case = TestCase(f"sample_{index:05d}", classname=f"hil.{report.board}")
        if index >= answered:
            case.result = [Failure("no result from the device")]
        elif index in mismatched:
            case.result = [Failure("device output differs from the TFLM reference")]
        else:
            case.system_out = f"{report.counters[index]} {report.device.get('counter_unit', '')}"
        suite.add_testcase(case)
    accounting = TestCase("accounting", classname=f"hil.{report.board}")
    if report.lost or report.duplicated or report.error:
        accounting.result = [Failure(f"lost {report.lost}, duplicated {report.duplicated}"
                                     + (f"; {report.error}" if report.error else ""))]
    suite.add_testcase(accounting)
    suite.update_statistics()
    suite.time = round(report.wall_seconds, 3)  # after update_statistics, which sums the cases' (unset) times
    suite.write(str(path))


def _mismatched_samples(report: HilReport) -> list[int]:
    import numpy as np

    return [int(i) for i in np.flatnonzero(~report.exact_per_sample)]


@contextlib.contextmanager
def live_progress(enabled: bool | None = None) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr while samples stream (only on a terminal unless forced)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield None
        return
    columns = (TextColumn("inferences"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("hil", total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update
