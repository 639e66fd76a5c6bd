"""`codegen` and `verify`."""
from __future__ import annotations

import json

import click

from toolchain.errors import MismatchError

COMMANDS: list[click.Command] = []


@click.command("codegen")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for the generated C (created if missing).")
@click.option("--cpu", default=None, help="Pick per-CPU kernel variants where there are some (e.g. cortex-m4).")
def codegen_command(model: str, out_dir: str, cpu: str | None) -> None:
    """Write MODEL.tflite as self-contained C99: weights, arena plan, one kernel call per operator."""
    from toolchain.codegen import generate_c, write_sources
    from toolchain.model.reader import read_model

    graph = read_model(model)
    sources = generate_c(graph, target=cpu)  # raises UnsupportedError before any file is written
    written = write_sources(sources, out_dir)
    click.echo(f"{graph.name} ({graph.model_hash}): {len(graph.operators)} operators, "
               f"arena {sources.arena_bytes} bytes, {len(written)} files in {out_dir}")


@click.command("verify")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--samples", default=200, show_default=True, help="Random inputs to compare.")
@click.option("--seed", default=0, show_default=True, help="Seed for the random inputs.")
@click.option("--inputs", "inputs_path", type=click.Path(dir_okay=False),
              help="(N, *input_shape) .npy, or .npz keyed by input tensor index, instead of random inputs.")
@click.option("--save-outputs", "save_path", type=click.Path(dir_okay=False),
              help="Write the generated C's outputs, (N, *output_shape) .npy (.npz for several outputs).")
@click.option("--cpu", default=None, help="Verify the per-CPU kernel variants (they must be host-compilable).")
@click.option("--sanitize", is_flag=True, help="Run under AddressSanitizer + UndefinedBehaviorSanitizer.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify_command(model: str, samples: int, seed: int, inputs_path: str | None, save_path: str | None,
                   cpu: str | None, sanitize: bool, as_json: bool) -> None:
    """Compile the generated C for the host and compare every output byte with TFLM (exit 1 on a mismatch)."""
    from toolchain.codegen.verify import verify_model

    report = verify_model(model, samples=samples, seed=seed, inputs_path=inputs_path,
                          save_outputs_path=save_path, cpu=cpu, sanitize=sanitize)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        click.echo(f"{report.model} ({report.model_hash}): {report.exact_samples}/{report.samples} samples "
                   f"bit-exact ({report.exact_match_rate:.2%}), max abs diff {report.max_abs_diff:g}")
        m = report.first_mismatch
        if m is not None:
            click.echo(f"first mismatch: sample {m.sample}, output {m.output} (tensor {m.tensor}), element "
                       f"{m.element}: ours {m.ours:g}, TFLM {m.reference:g}")
    if not report.ok:
        raise MismatchError(f"{report.samples - report.exact_samples} of {report.samples} samples differ from TFLM")


@click.command("verify-ops")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--board", required=True, help="Board whose QEMU machine runs the C built with its CPU's kernels.")
@click.option("--samples", default=8, show_default=True, help="Inputs: the int extremes first, then random.")
@click.option("--seed", default=0, show_default=True, help="Seed for the random inputs.")
def verify_ops_command(model: str, board: str, samples: int, seed: int) -> None:
    """Run the generated C on the board's emulator and compare EVERY operator's output tensor with TFLM's
    (exit 1 on a mismatch)."""
    from toolchain.emulators.opcheck import check_on_target

    report = check_on_target(model, board, samples=samples, seed=seed)
    click.echo(report.summary())
    if not report.ok:
        raise MismatchError(f"{len(report.mismatches)} operator outputs differ from TFLM")


COMMANDS.extend([codegen_command, verify_command, verify_ops_command])
