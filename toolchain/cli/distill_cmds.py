"""`distill` and `quantize`: LargeML teacher -> TinyML int8 student (needs the `train` extra)."""
from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from toolchain.distill.pipeline import DEMO
from toolchain.errors import DoesNotFitError, UnsupportedError

_DATA_HELP = ("Data: a .npz (x, y), a .csv (label column `label` or the last one), a folder with one "
              "sub-folder of images or WAV files per class, or synthetic:vibration[:COUNT].")


def _progress_printer():
    """Progress goes to stderr, so `--json` output on stdout stays machine-readable."""
    console = Console(stderr=True, highlight=False)
    return lambda message: console.print(f"[dim]>[/dim] {message}")


@click.command("distill")
@click.option("--data", required=True, help=_DATA_HELP)
@click.option("--teacher", type=click.Path(dir_okay=False), help="Use this Keras teacher (.keras) instead of training one.")
@click.option("--teacher-arch", default=DEMO.teacher_arch, show_default=True,
              help="Teacher to train: wide-cnn, wide-mlp, or any student family with a width, e.g. mobilenet:2.")
@click.option("--student-arch", default=DEMO.student_arch, show_default=True,
              help="Student family: mlp, cnn, ds-cnn, mobilenet; optional width multiplier, e.g. mobilenet:0.5.")
@click.option("--temperature", type=float, default=DEMO.temperature, show_default=True, help="Softmax temperature of the soft targets.")
@click.option("--alpha", type=float, default=DEMO.alpha, show_default=True,
              help="Weight of the distillation loss (1 - alpha weighs the labels).")
@click.option("--epochs", type=int, default=DEMO.epochs, show_default=True)
@click.option("--extra-data", type=click.Path(dir_okay=False),
              help="hard.npz exported by the aggregator (x, teacher labels y), added to the training set.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for data, split, weights and shuffling.")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for teacher.keras/.tflite, student.keras, student_baseline.keras, distill.json.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def distill_command(data, teacher, teacher_arch, student_arch, temperature, alpha, epochs, extra_data, seed,
                    out_dir, as_json) -> None:
    """Train (or load) a teacher and distil a small student; compare it with the student trained alone."""
    from toolchain.distill.pipeline import distill

    report = distill(data, out_dir, student_arch=student_arch, teacher=teacher, teacher_arch=teacher_arch,
                     temperature=temperature, alpha=alpha, epochs=epochs, extra_data=extra_data, seed=seed,
                     progress=_progress_printer())
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    table = Table(title=f"distillation on {report.data}: {report.test_samples} held-out samples")
    for column in ("model", "architecture", "parameters", "held-out accuracy"):
        table.add_column(column, justify="right" if column in ("parameters", "held-out accuracy") else "left")
    table.add_row("teacher", report.teacher, f"{report.teacher_params:,}", f"{report.teacher_accuracy:.1%}")
    table.add_row(f"student (distilled, T={report.temperature:g}, alpha={report.alpha:g})", report.student_arch,
                  f"{report.student_params:,}", f"{report.student_accuracy:.1%}")
    table.add_row("student without teacher", report.student_arch, f"{report.student_params:,}",
                  f"{report.baseline_accuracy:.1%}")
    console = Console()
    console.print(table)
    console.print(f"distillation changed the student's accuracy by {report.distillation_gain * 100:+.1f} points "
                  f"({report.train_samples} training samples, {report.extra_samples} of them extra; "
                  f"{report.epochs} epochs; {report.seconds:.0f} s)")
    console.print(f"student {report.student_path}   teacher {report.teacher_path}   "
                  f"teacher .tflite {report.teacher_tflite_path}")


@click.command("quantize")
@click.argument("student", type=click.Path(dir_okay=False))
@click.option("--data", help=_DATA_HELP + " Default: the data of the distill.json beside STUDENT.")
@click.option("-o", "--out", "out_path", required=True, type=click.Path(dir_okay=False), help="The int8 .tflite to write.")
@click.option("--board", help="Board ID: also check that the model fits and every operator has a kernel.")
@click.option("--seed", type=int, help="Seed of the hold-out split. Default: distill.json's, else 0.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def quantize_command(student, data, out_path, board, seed, as_json) -> None:
    """Convert a Keras STUDENT to a full-int8 .tflite and compare float vs int8 (TFLM) accuracy."""
    from toolchain.distill.pipeline import quantize

    report = quantize(student, data, out_path, board=board, seed=seed, progress=_progress_printer())
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_quantize(report)
    check = report.board
    if check and check["unsupported"]:
        ops = ", ".join(f"{u['op']} ({u['types']})" for u in check["unsupported"])
        raise UnsupportedError(f"{report.model_path}: no kernel on {check['board']} for {ops}")
    if check and not check["fit"]["fits"]:
        fit = check["fit"]
        raise DoesNotFitError(f"{report.model_path} does not fit {check['board']}: flash {fit['flash_needed']:,} "
                              f"of {fit['flash_available']:,} B, RAM {fit['ram_needed']:,} of {fit['ram_available']:,} B")


def _print_quantize(report) -> None:
    console = Console()
    table = Table(title=f"{report.model_path}: {report.model_bytes:,} bytes, {report.test_samples} held-out samples")
    table.add_column("model")
    table.add_column("held-out accuracy", justify="right")
    table.add_row("float (Keras)", f"{report.float_accuracy:.1%}")
    table.add_row("int8 (TFLM interpreter)", f"{report.int8_accuracy:.1%}")
    table.add_row("int8 agrees with float", f"{report.agreement:.1%}")
    console.print(table)
    i, o = report.input, report.output
    console.print(f"input {i.dtype}{i.shape} scale {i.scale:.6g} zero point {i.zero_point}   "
                  f"output {o.dtype}{o.shape} scale {o.scale:.6g} zero point {o.zero_point}")
    console.print(f"operators: {', '.join(report.operators)}")
    console.print(f"held-out samples as int8 (for `tinylarge hil run --dataset`): {report.heldout_path}")
    if report.board:
        fit, board = report.board["fit"], report.board["board"]
        verdict = "[green]fits[/green]" if fit["fits"] else "[red]does NOT fit[/red]"
        console.print(f"{verdict} {board}: flash {fit['flash_needed']:,} of {fit['flash_available']:,} B, "
                      f"RAM {fit['ram_needed']:,} of {fit['ram_available']:,} B")
        if not report.board["unsupported"]:
            console.print(f"every operator has a kernel on {board}")
        for u in report.board["unsupported"]:
            console.print(f"[red]unsupported[/red]: operator {u['index']} {u['op']} ({u['types']}): {u['reason']}")


COMMANDS: list[click.Command] = [distill_command, quantize_command]
