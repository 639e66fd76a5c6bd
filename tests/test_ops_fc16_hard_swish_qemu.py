"""FULLY_CONNECTED 16x8 (int16 activations, int8 weights, int64 bias) and HARD_SWISH int8 on an
emulated Cortex-M4: random models and HARD_SWISH at scale ratios that saturate both ends, side by
side in one model, every operator's output equal to TFLM's on QEMU (mps2-an386). (TFLM has no int16
HARD_SWISH: test_ops_unsupported.py checks the refusal line.)"""
from __future__ import annotations

import numpy as np
import pytest

from opmodels import MODEL_MAKERS, merge_graphs
from test_codegen_int16 import _model as int16_model
from test_ops_edges import q, unary
from toolchain.emulators.opcheck import check_on_target
from toolchain.model.writer import write_model

pytestmark = pytest.mark.qemu

SAMPLES = 6


def test_fully_connected_16x8_and_hard_swish_int8_are_bit_exact_on_cortex_m4(tmp_path):
    graphs = [int16_model("FULLY_CONNECTED", np.random.default_rng(seed)) for seed in range(6)]
    graphs += [MODEL_MAKERS["HARD_SWISH"](np.random.default_rng(40 + seed), "int8") for seed in range(4)]
    graphs += [unary("HARD_SWISH", "int8", "int8", q(in_scale, in_zp), q(out_scale, out_zp))
               for in_scale, out_scale in ((0.5, 0.01), (0.01, 0.5), (0.05, 0.05))
               for in_zp, out_zp in ((-128, 127), (0, 0), (-5, 100))]
    graph = merge_graphs(graphs, "fc16_hard_swish_m4")
    path = tmp_path / "fc16_hard_swish.tflite"
    write_model(graph, path)
    report = check_on_target(path, "qemu_mps2_an386", samples=SAMPLES)
    assert report.cpu == "cortex-m4"
    assert report.tensors_compared == SAMPLES * len(graph.operators) == SAMPLES * 19
    assert report.ok, report.summary()
