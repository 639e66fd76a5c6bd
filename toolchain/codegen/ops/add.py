"""ADD: int8 (TFLM's 20-bit-headroom integer add), int16 (the same with 15 bits), int32 (wrapping,
no activation, as TFLM) and float32, numpy broadcasting.

Each int8 input's rescale depends on that input alone, so it is precomputed here for all 256 values
(two 1 KiB tables in flash): the kernel does one table read per input and one requantization."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import ConstArray, Float32, Kernel, KernelCall
from toolchain.codegen.ops import _mve
from toolchain.codegen.params import (activation_range_float, activation_range_quantized, broadcast, f32,
                                      fused_activation, multiply_by_quantized_multiplier_smaller_than_one,
                                      quantize_multiplier_smaller_than_one, scale_of, zero_point_of)
from toolchain.model.graph import Graph, Operator

LEFT_SHIFT_INT8 = 20
LEFT_SHIFT_INT16 = 15  # TFLM: 15 bits keep (x << 15) of any int16 within int32


def rescale_table(name: str, offset: int, multiplier: int, shift: int, left_shift: int = LEFT_SHIFT_INT8) -> ConstArray:
    """table[x + 128] = ((x + offset) << left_shift) rescaled, exactly as the integer add does it."""
    values = [multiply_by_quantized_multiplier_smaller_than_one((x + offset) << left_shift, multiplier, shift)
              for x in range(-128, 128)]
    return ConstArray(name, "int32", np.asarray(values, dtype=np.int32))


def _rescale_params(graph: Graph, op: Operator, left_shift: int) -> dict:
    """TFLM's Prepare for quantized ADD: both inputs to the common scale 2 * max(scale1, scale2)
    after `left_shift` bits of headroom, the sum back to the output scale (double precision from
    the float32 scales)."""
    a, b = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]]
    out = graph.tensors[op.outputs[0]]
    twice_max = 2.0 * float(max(f32(scale_of(a)), f32(scale_of(b))))
    m1, s1 = quantize_multiplier_smaller_than_one(float(f32(scale_of(a))) / twice_max)
    m2, s2 = quantize_multiplier_smaller_than_one(float(f32(scale_of(b))) / twice_max)
    mo, so = quantize_multiplier_smaller_than_one(
        twice_max / ((1 << left_shift) * float(f32(scale_of(out)))))
    act_min, act_max = activation_range_quantized(fused_activation(op), out)
    return {"shape": broadcast(graph, op), "left_shift": left_shift,
            "input1_offset": -zero_point_of(a), "input1_multiplier": m1, "input1_shift": s1,
            "input2_offset": -zero_point_of(b), "input2_multiplier": m2, "input2_shift": s2,
            "output_offset": zero_point_of(out), "output_multiplier": mo, "output_shift": so,
            "act_min": act_min, "act_max": act_max}


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    params = _rescale_params(graph, op, LEFT_SHIFT_INT8)
    params["input1_table"] = rescale_table("input1_table", params["input1_offset"], params["input1_multiplier"],
                                           params["input1_shift"])
    params["input2_table"] = rescale_table("input2_table", params["input2_offset"], params["input2_multiplier"],
                                           params["input2_shift"])
    return KernelCall(params=params, inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params=_rescale_params(graph, op, LEFT_SHIFT_INT16),
                      inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


def build_int32(graph: Graph, op: Operator) -> KernelCall:
    # TFLM's int32 add clamps to the whole int32 range whatever the fused activation says.
    return KernelCall(params={"shape": broadcast(graph, op)}, inputs=(op.inputs[0], op.inputs[1]),
                      outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    act_min, act_max = activation_range_float(fused_activation(op))
    return KernelCall(params={"shape": broadcast(graph, op), "act_min": Float32(act_min), "act_max": Float32(act_max)},
                      inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


def build_int8_mve(graph: Graph, op: Operator) -> KernelCall:
    """Cortex-M55: the portable tables re-laid by raw byte (the vector gather's index), no broadcasting."""
    p = build_int8(graph, op).params
    by_byte = (np.arange(256) + 128) % 256  # raw byte b holds int8 value b - 256 * (b > 127): table row
    return KernelCall(
        params={"count": p["shape"]["count"],
                **{name: ConstArray(name, "int32", p[name].values[by_byte]) for name in ("input1_table", "input2_table")},
                **{name: p[name] for name in ("output_multiplier", "output_shift", "output_offset", "act_min", "act_max")}},
        inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


def _same_shapes(graph: Graph, op: Operator) -> bool:
    return bool(broadcast(graph, op)["same_shape"])


KERNELS = [
    Kernel(op="ADD", types=("int8,int8->int8",), function="tl_add_int8", c_file="kernels/add_int8.c",
           header="kernels/add.h", build=build_int8),
    Kernel(op="ADD", types=("int16,int16->int16",), function="tl_add_int16", c_file="kernels/add_int16.c",
           header="kernels/add.h", build=build_int16),
    Kernel(op="ADD", types=("int32,int32->int32",), function="tl_add_int32", c_file="kernels/add_int32.c",
           header="kernels/add.h", build=build_int32, runtime=()),
    Kernel(op="ADD", types=("float32,float32->float32",), function="tl_add_f32", c_file="kernels/add_f32.c",
           header="kernels/add.h", build=build_f32, runtime=()),
    Kernel(op="ADD", types=("int8,int8->int8",), function="tl_add_int8_mve", c_file="kernels/cortex-m55/add_int8_mve.c",
           header="kernels/cortex-m55/add_mve.h", build=build_int8_mve, cpu=_mve.CPU, runtime=_mve.RUNTIME,
           accepts=_same_shapes),
]
