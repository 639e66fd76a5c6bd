"""CONCATENATION along any axis (negative axes count from the end) and PACK (stacking along a new
axis), any element type: a byte copy."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import Kernel, KernelCall, TensorData
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

MAX_INPUTS = 32  # TL_CONCATENATION_MAX_INPUTS in concatenation.h


def build(graph: Graph, op: Operator) -> KernelCall:
    out = graph.tensors[op.outputs[0]]
    inputs = [graph.tensors[i] for i in op.inputs]
    if not 1 <= len(inputs) <= MAX_INPUTS:
        raise UnsupportedError(f"operator {op.index} CONCATENATION: {len(inputs)} inputs (at most {MAX_INPUTS})")
    if op.options.get("fused_activation_function", "NONE") != "NONE":
        raise UnsupportedError(f"operator {op.index} CONCATENATION: fused activations are not supported "
                               f"(TFLM rejects them too)")
    if out.dtype in ("int8", "int16"):
        for t in inputs:
            # bytes are copied, never rescaled: TFLM rejects differing quantization
            if t.quant is None or out.quant is None or t.quant.scale[0] != out.quant.scale[0] \
                    or t.quant.zero_point[0] != out.quant.zero_point[0]:
                raise UnsupportedError(f"operator {op.index} CONCATENATION: input {t.index} quantization differs "
                                       f"from the output's (TFLM rejects this too)")
    rank = len(out.shape)
    axis = int(op.options.get("axis", 0))
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis < max(rank, 1):
        raise UnsupportedError(f"operator {op.index} CONCATENATION: axis {op.options.get('axis')} "
                               f"out of range for {out.describe()}")
    for t in inputs:
        if len(t.shape) != rank or t.shape[:axis] + t.shape[axis + 1:] != out.shape[:axis] + out.shape[axis + 1:]:
            raise UnsupportedError(f"operator {op.index} CONCATENATION: input {t.describe()} does not fit "
                                   f"output {out.describe()} along axis {axis}")
    if sum(t.shape[axis] for t in inputs) != (out.shape[axis] if rank else len(inputs)):
        raise UnsupportedError(f"operator {op.index} CONCATENATION: inputs do not add up to {out.describe()}")
    return _call(op, out.shape[:axis], inputs)


def _call(op: Operator, outer_dims: tuple[int, ...], inputs: list) -> KernelCall:
    outer = int(np.prod(outer_dims, dtype=np.int64))
    return KernelCall(
        params={"outer": outer, "num_inputs": len(inputs),
                "row_bytes": [t.nbytes // max(outer, 1) for t in inputs],
                "inputs": [TensorData(t.index) for t in inputs]},
        inputs=(), outputs=(op.outputs[0],))


def build_pack(graph: Graph, op: Operator) -> KernelCall:
    """PACK: N equal inputs stacked along a new output axis (TFLM copies raw values, no rescale)."""
    out = graph.tensors[op.outputs[0]]
    inputs = [graph.tensors[i] for i in op.inputs]
    if not 1 <= len(inputs) <= MAX_INPUTS:
        raise UnsupportedError(f"operator {op.index} PACK: {len(inputs)} inputs (at most {MAX_INPUTS})")
    rank = len(out.shape)
    axis = int(op.options.get("axis", 0))
    axis = axis + rank if axis < 0 else axis
    shape = inputs[0].shape
    want = shape[:axis] + (len(inputs),) + shape[axis:] if 0 <= axis < max(rank, 1) else None
    if want != tuple(out.shape) or any(t.shape != shape or t.dtype != out.dtype for t in inputs):
        raise UnsupportedError(f"operator {op.index} PACK: inputs {[t.describe() for t in inputs]} do not stack "
                               f"into {out.describe()} along axis {op.options.get('axis', 0)}")
    return _call(op, out.shape[:axis], inputs)


_TYPES = ("int8", "int16", "int32", "float32")
KERNELS = [
    Kernel(op=name, types=tuple(f"{t}*->{t}" for t in _TYPES), function="tl_concatenation",
           c_file="kernels/concatenation.c", header="kernels/concatenation.h", build=builder, runtime=())
    for name, builder in (("CONCATENATION", build), ("PACK", build_pack))
]
