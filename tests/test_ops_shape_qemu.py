"""The element-moving, resize, matmul, transpose-conv and SVDF kernels on an emulated Cortex-M4:
two random models per operator and type side by side in one model, every operator's output tensor
equal to TFLM's on QEMU (mps2-an386), inputs starting with the integer extremes."""
from __future__ import annotations

import numpy as np
import pytest

from opmodels import PRODUCT_MAKERS, SHAPE_MAKERS, merge_graphs
from test_ops_matmul import OP_TYPES
from test_ops_shape import TYPES
from toolchain.emulators.opcheck import check_on_target
from toolchain.model.writer import write_model

pytestmark = pytest.mark.qemu

SAMPLES = 6
# The float LSTM calls expf/tanhf: newlib's differ from the host's glibc in the last bit for some
# inputs, so on the device it equals a TFLM built with newlib, not the host interpreter. The int8
# and 16x8 LSTMs are integer-only and checked.
LIBM_BOUND = {("UNIDIRECTIONAL_SEQUENCE_LSTM", "float32")}


def test_every_new_operator_is_bit_exact_on_cortex_m4(tmp_path):
    graphs = []
    for makers, types in ((SHAPE_MAKERS, TYPES), (PRODUCT_MAKERS, OP_TYPES)):
        for op, make in makers.items():
            for dtype in (t for t in types[op] if (op, t) not in LIBM_BOUND):
                for k in range(2):
                    graphs.append(make(np.random.default_rng(500 + k + 10 * len(graphs)), dtype))
    graph = merge_graphs(graphs, "shape_ops_m4")
    path = tmp_path / "shape_ops.tflite"
    write_model(graph, path)
    report = check_on_target(path, "qemu_mps2_an386", samples=SAMPLES)
    assert report.cpu == "cortex-m4"
    assert report.tensors_compared == SAMPLES * sum(len(op.outputs) for op in graph.operators)
    assert report.ok, report.summary()
