"""`split`: cut a model into a device head and an aggregator tail, or sweep every cut."""
from __future__ import annotations

import json

import click

from toolchain.errors import MismatchError, ToolchainError


@click.command("split")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--at", "after", type=int, default=None,
              help="Cut after this operator (numbered as in `tinylarge inspect`): the head runs 0..AT.")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Directory for head.tflite and tail.tflite (with --at).")
@click.option("--check-samples", default=20, show_default=True, type=click.IntRange(0),
              help="Random inputs run through the whole model and head -> tail in TFLM (0: no check).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def split_command(model: str, after: int | None, out_dir: str | None, check_samples: int, as_json: bool) -> None:
    """Write MODEL's head (device) and tail (aggregator) as two .tflite models."""
    from toolchain.model.reader import read_model
    from toolchain.split import write_split
    from toolchain.split.check import check_cuts

    if after is None or out_dir is None:
        raise ToolchainError("give --at OP -o DIR")
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


COMMANDS: list[click.Command] = [split_command]
