"""RELU and RELU6: int8 (tables) and int16 as TFLM computes them (RELU requantizes to the output;
RELU6 clamps in the input's quantization); float32."""
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


def _rescale_call(graph: Graph, op: Operator, multiplier: tuple[int, int], negative: tuple[int, int],
                  output_zero_point: int, act_min: int, act_max: int) -> KernelCall:
    return KernelCall(
        params={"count": graph.tensors[op.inputs[0]].num_elements,
                "input_zero_point": zero_point_of(graph.tensors[op.inputs[0]]),
                "output_zero_point": output_zero_point, "multiplier": multiplier[0], "shift": multiplier[1],
                "negative_multiplier": negative[0], "negative_shift": negative[1],
                "act_min": act_min, "act_max": act_max},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_relu_int16(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    ratio = quantize_multiplier(float(f32(scale_of(inp))) / float(f32(scale_of(out))))
    act_min = max(-32768, min(32767, round_half_away(float(f32(0.0) / f32(scale_of(out)))) + zero_point_of(out)))
    return _rescale_call(graph, op, ratio, ratio, zero_point_of(out), act_min, 32767)


def build_relu6_int16(graph: Graph, op: Operator) -> KernelCall:
    """A clamp in the input's quantization: the identity multiplier (2^30, shift 1) rescales exactly."""
    inp = graph.tensors[op.inputs[0]]
    zero = zero_point_of(inp)
    six = max(-32768, min(32767, round_half_away(float(f32(6.0) / f32(scale_of(inp)))) + zero))
    return _rescale_call(graph, op, (1 << 30, 1), (1 << 30, 1), zero, zero, six)


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"count": graph.tensors[op.inputs[0]].num_elements},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    lookup_row("RELU", build_relu_int8),
    Kernel(op="RELU", types=("float32->float32",), function="tl_relu_f32", c_file="kernels/relu_f32.c",
           header="kernels/activations.h", build=build_f32, runtime=()),
    Kernel(op="RELU", types=("int16->int16",), function="tl_rescale_int16", c_file="kernels/rescale_int16.c",
           header="kernels/rescale.h", build=build_relu_int16),
    lookup_row("RELU6", build_relu6_int8),
    Kernel(op="RELU6", types=("int16->int16",), function="tl_rescale_int16", c_file="kernels/rescale_int16.c",
           header="kernels/rescale.h", build=build_relu6_int16),
    Kernel(op="RELU6", types=("float32->float32",), function="tl_relu6_f32", c_file="kernels/relu6_f32.c",
           header="kernels/activations.h", build=build_f32, runtime=()),
]
