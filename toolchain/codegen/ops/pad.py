"""PAD / PADV2: constant padding, any element type, rank <= 6. int8 PAD pads with the output zero
point, float32 PAD with 0.0, PADV2 with its constant input (as TFLM does)."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import ConstArray, Kernel, KernelCall
from toolchain.codegen.ops._common import constant_input, optional_input
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

RANK = 6


def _pad_value(graph: Graph, op: Operator) -> np.ndarray:
    out = graph.tensors[op.outputs[0]]
    constant = optional_input(graph, op, 2)
    if constant is not None:
        if not constant.is_constant or constant.num_elements != 1:
            raise UnsupportedError(f"operator {op.index} {op.op}: the pad value must be one constant element")
        if out.quant is not None and out.dtype != "float32" and (
                constant.quant is None or constant.quant.scale[0] != out.quant.scale[0]
                or constant.quant.zero_point[0] != out.quant.zero_point[0]):
            raise UnsupportedError(f"operator {op.index} {op.op}: the pad value's quantization differs from the "
                                   f"output's (TFLM rejects this too)")
        return np.asarray(constant.data, dtype=out.dtype).reshape(1)
    zero = out.quant.zero_point[0] if (out.quant is not None and out.dtype != "float32") else 0
    return np.asarray([zero], dtype=out.dtype)


def build(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    paddings = constant_input(graph, op, 1, "paddings").data.astype(np.int64).reshape(-1, 2)
    rank = len(inp.shape)
    if rank > RANK or paddings.shape[0] != rank or (paddings < 0).any():
        raise UnsupportedError(f"operator {op.index} {op.op}: paddings {paddings.tolist()} do not fit "
                               f"{inp.describe()} (rank <= {RANK}, no negative padding)")
    want = tuple(int(d + p.sum()) for d, p in zip(inp.shape, paddings))
    if want != tuple(out.shape):
        raise UnsupportedError(f"operator {op.index} {op.op}: output {out.describe()} is not the padded {list(want)}")
    lead = [1] * (RANK - rank)
    return KernelCall(
        params={"elem_bytes": out.nbytes // max(out.num_elements, 1),
                "in_dims": lead + list(inp.shape), "out_dims": lead + list(out.shape),
                "before": [0] * (RANK - rank) + [int(p[0]) for p in paddings],
                "pad_value": ConstArray("pad_value", out.dtype, _pad_value(graph, op))},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op=name, types=tuple(f"{t},int32{extra}->{t}" for t in ("int8", "int16", "int32", "float32")),
           function="tl_pad", c_file="kernels/pad.c", header="kernels/pad.h", build=build, runtime=())
    for name, extra in (("PAD", ""), ("PADV2", ",*"))
]
