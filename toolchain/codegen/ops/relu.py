"""RELU and RELU6: int8 as TFLM computes them (RELU requantizes to the output; RELU6 clamps in the
input's quantization), as tables; float32."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops._fixed_point import multiply_by_quantized_multiplier
from toolchain.codegen.ops._lookup import lookup_call, lookup_row
from toolchain.codegen.params import f32, quantize_multiplier, round_half_away, scale_of, zero_point_of
from toolchain.model.graph import Graph, Operator


def _quantized(value: float, scale: float, zero_point: int) -> int:
    """round(value / scale) + zero point in float32, clamped to int8 (TFLM's FloatToQuantizedType)."""
    return max(-128, min(127, round_half_away(float(f32(value) / f32(scale))) + zero_point))


def build_relu_int8(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    multiplier, shift = quantize_multiplier(float(f32(scale_of(inp))) / float(f32(scale_of(out))))
    in_zp, out_zp = zero_point_of(inp), zero_point_of(out)
    act_min = _quantized(0.0, scale_of(out), out_zp)
    return lookup_call(graph, op, lambda q: max(act_min, out_zp + multiply_by_quantized_multiplier(
        q - in_zp, multiplier, shift)))


def build_relu6_int8(graph: Graph, op: Operator) -> KernelCall:
    inp = graph.tensors[op.inputs[0]]
    lower, upper = zero_point_of(inp), _quantized(6.0, scale_of(inp), zero_point_of(inp))
    return lookup_call(graph, op, lambda q: upper if q > upper else max(q, lower))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"count": graph.tensors[op.inputs[0]].num_elements},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    lookup_row("RELU", build_relu_int8),
    Kernel(op="RELU", types=("float32->float32",), function="tl_relu_f32", c_file="kernels/relu_f32.c",
           header="kernels/activations.h", build=build_f32, runtime=()),
    lookup_row("RELU6", build_relu6_int8),
    Kernel(op="RELU6", types=("float32->float32",), function="tl_relu6_f32", c_file="kernels/relu6_f32.c",
           header="kernels/activations.h", build=build_f32, runtime=()),
]
