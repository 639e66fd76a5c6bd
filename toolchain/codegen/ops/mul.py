"""MUL: int8 and int16 (one rescale by scale1 * scale2 / scale_out), int32 (wrapping product) and float32,
numpy broadcasting."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Float32, Kernel, KernelCall
from toolchain.codegen.params import (INT_RANGES, activation_range_float, activation_range_quantized, broadcast, f32,
                                      fused_activation, quantize_multiplier, scale_of, zero_point_of)
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def build_quantized(graph: Graph, op: Operator) -> KernelCall:
    a, b = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]]
    out = graph.tensors[op.outputs[0]]
    # TFLM multiplies the float32 scales in double precision.
    real = float(f32(scale_of(a))) * float(f32(scale_of(b))) / float(f32(scale_of(out)))
    multiplier, shift = quantize_multiplier(real)
    act_min, act_max = activation_range_quantized(fused_activation(op), out)
    return KernelCall(
        params={"shape": broadcast(graph, op), "input1_offset": -zero_point_of(a),
                "input2_offset": -zero_point_of(b), "output_offset": zero_point_of(out),
                "output_multiplier": multiplier, "output_shift": shift, "act_min": act_min, "act_max": act_max},
        inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


def activation_range_int32(activation: str) -> tuple[int, int]:
    """TFLM's activation range for unquantized int32: the activation's bounds as integers."""
    lowest, highest = INT_RANGES["int32"]
    ranges = {"NONE": (lowest, highest), "RELU": (0, highest), "RELU6": (0, 6), "RELU_N1_TO_1": (-1, 1)}
    if activation not in ranges:
        raise UnsupportedError(f"fused activation {activation} is not supported on int32 tensors")
    return ranges[activation]


def build_int32(graph: Graph, op: Operator) -> KernelCall:
    act_min, act_max = activation_range_int32(fused_activation(op))
    return KernelCall(params={"shape": broadcast(graph, op), "act_min": act_min, "act_max": act_max},
                      inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    act_min, act_max = activation_range_float(fused_activation(op))
    return KernelCall(params={"shape": broadcast(graph, op), "act_min": Float32(act_min), "act_max": Float32(act_max)},
                      inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="MUL", types=("int8,int8->int8",), function="tl_mul_int8", c_file="kernels/mul_int8.c",
           header="kernels/mul.h", build=build_quantized),
    Kernel(op="MUL", types=("int16,int16->int16",), function="tl_mul_int16", c_file="kernels/mul_int16.c",
           header="kernels/mul.h", build=build_quantized),
    Kernel(op="MUL", types=("int32,int32->int32",), function="tl_mul_int32", c_file="kernels/mul_int32.c",
           header="kernels/mul.h", build=build_int32),
    Kernel(op="MUL", types=("float32,float32->float32",), function="tl_mul_f32", c_file="kernels/mul_f32.c",
           header="kernels/mul.h", build=build_f32, runtime=()),
]
