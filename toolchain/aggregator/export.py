"""Hard examples for the next distillation round: the cases where teacher and tiny model disagreed.

The .npz holds `x` (float32 inputs, one row per example, as the teacher saw them: dequantized when
the device sent int8), `y` (int64 teacher labels) and `tiny_y` (int64 tiny-model labels).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toolchain.aggregator.errors import AggregatorError
from toolchain.aggregator.store import Store


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    examples: int
    input_size: int


def export_disagreements(store: Store, path: Path) -> ExportSummary:
    examples = store.hard_examples()
    sizes = {len(example.input) for example in examples}
    if len(sizes) > 1:
        raise AggregatorError(f"the disagreements have inputs of different sizes {sorted(sizes)}: "
                              "they come from different models and cannot share one array")
    input_size = sizes.pop() if sizes else 0
    x = np.asarray([example.input for example in examples], dtype=np.float32).reshape(len(examples), input_size)
    y = np.asarray([example.teacher_label for example in examples], dtype=np.int64)
    tiny_y = np.asarray([example.tiny_label for example in examples], dtype=np.int64)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as stream:  # a file object: numpy would otherwise append ".npz"
            np.savez(stream, x=x, y=y, tiny_y=tiny_y)
    except OSError as exc:
        raise AggregatorError(f"cannot write {path}: {exc.strerror}") from None
    return ExportSummary(path=path, examples=len(examples), input_size=input_size)
