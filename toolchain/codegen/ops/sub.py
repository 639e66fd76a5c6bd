"""SUB: int8 and int16 (TFLM's quantized add arithmetic with the second input subtracted), int32
(wrapping, fused activation clamp) and float32, numpy broadcasting."""
from __future__ import annotations

import dataclasses

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops.add import LEFT_SHIFT_INT16, LEFT_SHIFT_INT8, _rescale_params, build_f32, rescale_table
from toolchain.codegen.ops.maximum_minimum import BROADCAST_RUNTIME
from toolchain.codegen.ops.mul import activation_range_int32
from toolchain.codegen.params import broadcast, fused_activation
from toolchain.model.graph import Graph, Operator


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    """The ADD kernel's call with the second input's table negated: table1[a] - table2[b] is
    TFLM's raw difference exactly (each rescale depends on its own input only)."""
    params = _rescale_params(graph, op, LEFT_SHIFT_INT8)
    params["input1_table"] = rescale_table("input1_table", params["input1_offset"], params["input1_multiplier"],
                                           params["input1_shift"])
    positive = rescale_table("input2_table", params["input2_offset"], params["input2_multiplier"],
                             params["input2_shift"])
    params["input2_table"] = dataclasses.replace(positive, values=-positive.values)
    return KernelCall(params=params, inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params=_rescale_params(graph, op, LEFT_SHIFT_INT16),
                      inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


def build_int32(graph: Graph, op: Operator) -> KernelCall:
    act_min, act_max = activation_range_int32(fused_activation(op))
    return KernelCall(params={"shape": broadcast(graph, op), "act_min": act_min, "act_max": act_max},
                      inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="SUB", types=("int8,int8->int8",), function="tl_add_int8", c_file="kernels/add_int8.c",
           header="kernels/add.h", build=build_int8),
    Kernel(op="SUB", types=("int16,int16->int16",), function="tl_sub_int16", c_file="kernels/sub_int16.c",
           header="kernels/sub.h", build=build_int16, runtime=("tl_quant.h", "tl_quant.c", "kernels/add.h",
                                                               *BROADCAST_RUNTIME)),
    Kernel(op="SUB", types=("int32,int32->int32",), function="tl_sub_int32", c_file="kernels/sub_int32.c",
           header="kernels/sub.h", build=build_int32, runtime=("kernels/add.h", *BROADCAST_RUNTIME)),
    Kernel(op="SUB", types=("float32,float32->float32",), function="tl_sub_f32", c_file="kernels/sub_f32.c",
           header="kernels/sub.h", build=build_f32, runtime=("kernels/add.h", *BROADCAST_RUNTIME)),
]
