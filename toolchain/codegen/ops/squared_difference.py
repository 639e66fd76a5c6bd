"""SQUARED_DIFFERENCE: int8 (7 bits of headroom, per-input rescale as 256-entry tables), int16
(symmetric, no headroom), int32 (wrapping) and float32, numpy broadcasting (TFLM: up to 4-D when
the shapes differ)."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops.add import rescale_table
from toolchain.codegen.ops.maximum_minimum import BROADCAST_RUNTIME
from toolchain.codegen.params import (broadcast, f32, quantize_multiplier, quantize_multiplier_smaller_than_one,
                                      scale_of, zero_point_of)
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

LEFT_SHIFT = {"int8": 7, "int16": 0}


def _shape(graph: Graph, op: Operator) -> dict:
    a, b = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]]
    if a.shape != b.shape and max(len(a.shape), len(b.shape)) > 4:
        raise UnsupportedError(f"operator {op.index} SQUARED_DIFFERENCE: TFLM broadcasts up to 4-D only")
    return broadcast(graph, op)


def _multipliers(graph: Graph, op: Operator, left_shift: int) -> dict:
    """TFLM's Prepare: inputs to 2 * max(scale1, scale2) (below one), the squared difference from
    that scale squared and the headroom back to the output scale (double precision)."""
    a, b, out = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]], graph.tensors[op.outputs[0]]
    twice_max = 2.0 * float(max(f32(scale_of(a)), f32(scale_of(b))))
    m1, s1 = quantize_multiplier_smaller_than_one(float(f32(scale_of(a))) / twice_max)
    m2, s2 = quantize_multiplier_smaller_than_one(float(f32(scale_of(b))) / twice_max)
    # the denominator is a float32 product in TFLM (exact: a power of two times the scale)
    mo, so = quantize_multiplier(twice_max * twice_max / float(f32(1 << (2 * left_shift)) * f32(scale_of(out))))
    return {"input1_multiplier": m1, "input1_shift": s1, "input2_multiplier": m2, "input2_shift": s2,
            "output_multiplier": mo, "output_shift": so}


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    a, b, out = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]], graph.tensors[op.outputs[0]]
    m = _multipliers(graph, op, LEFT_SHIFT["int8"])
    return KernelCall(params={
        "shape": _shape(graph, op), "output_offset": zero_point_of(out), "output_multiplier": m["output_multiplier"],
        "output_shift": m["output_shift"],
        "input1_table": rescale_table("input1_table", -zero_point_of(a), m["input1_multiplier"], m["input1_shift"],
                                      LEFT_SHIFT["int8"]),
        "input2_table": rescale_table("input2_table", -zero_point_of(b), m["input2_multiplier"], m["input2_shift"],
                                      LEFT_SHIFT["int8"])},
        inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    tensors = [graph.tensors[i] for i in (*op.inputs, *op.outputs)]
    if any(zero_point_of(t) != 0 for t in tensors):
        raise UnsupportedError(f"operator {op.index} SQUARED_DIFFERENCE: int16 needs zero points 0 (TFLM requires it)")
    return KernelCall(params={"shape": _shape(graph, op), **_multipliers(graph, op, LEFT_SHIFT["int16"])},
                      inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


def build_plain(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"shape": _shape(graph, op)}, inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="SQUARED_DIFFERENCE", types=(f"{dtype},{dtype}->{dtype}",), function=f"tl_squared_difference_{suffix}",
           c_file=f"kernels/squared_difference_{suffix}.c", header="kernels/squared_difference.h", build=build,
           runtime=("tl_quant.h", "tl_quant.c", *BROADCAST_RUNTIME))
    for dtype, suffix, build in (("int8", "int8", build_int8), ("int16", "int16", build_int16),
                                 ("int32", "int32", build_plain), ("float32", "f32", build_plain))
]
