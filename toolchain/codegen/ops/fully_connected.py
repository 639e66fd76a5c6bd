"""FULLY_CONNECTED: int8 (per-tensor or per-channel weights, int32 bias), int16 activations (int64 bias)
and float32; keep_num_dims only changes the output shape."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import Float32, Kernel, KernelCall
from toolchain.codegen.ops import _mve
from toolchain.codegen.ops._common import (constant_input, folded_bias, no_bias_or_constant, output_stage,
                                           require_symmetric_int16, require_zero_filter_offset)
from toolchain.codegen.params import (activation_range_float, fused_activation, per_channel_multipliers,
                                      product_scale_multiplier, scale_of, zero_point_of)
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def _shape(graph: Graph, op: Operator) -> dict[str, int]:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    filt = constant_input(graph, op, 1, "weights")
    if op.options.get("weights_format", 0) not in (0, "DEFAULT"):
        raise UnsupportedError(f"operator {op.index} FULLY_CONNECTED: shuffled weights are not supported")
    if len(filt.shape) != 2:
        raise UnsupportedError(f"operator {op.index} FULLY_CONNECTED: weights must be 2-D, got {filt.describe()}")
    units, depth = filt.shape
    if depth <= 0 or inp.num_elements % depth:
        raise UnsupportedError(f"operator {op.index} FULLY_CONNECTED: input {inp.describe()} is not a whole "
                               f"number of rows of {depth}")
    batches = inp.num_elements // depth
    if out.num_elements != batches * units:
        raise UnsupportedError(f"operator {op.index} FULLY_CONNECTED: output {out.describe()} is not "
                               f"[{batches}, {units}]")
    return {"batches": batches, "depth": depth, "units": units}


def _multipliers(graph: Graph, op: Operator, units: int) -> tuple[np.ndarray, np.ndarray]:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    filt = graph.tensors[op.inputs[1]]
    if filt.quant.per_channel:
        return per_channel_multipliers(scale_of(inp), filt.quant.scale, scale_of(out), units)
    m, s = product_scale_multiplier(scale_of(inp), filt.quant.scale[0], scale_of(out))
    return np.full(units, m, dtype=np.int32), np.full(units, s, dtype=np.int32)


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    filt = constant_input(graph, op, 1, "weights")
    require_zero_filter_offset(op, filt)
    shape = _shape(graph, op)
    bias_index = no_bias_or_constant(graph, op, 2)
    multipliers, shifts = _multipliers(graph, op, shape["units"])
    sums = filt.data.astype("int64").sum(axis=1)
    return KernelCall(
        params={
            **shape, "output_offset": zero_point_of(out), **output_stage(op, out, multipliers, shifts),
            "folded_bias": folded_bias(graph.tensors[bias_index] if bias_index >= 0 else None, sums,
                                       -zero_point_of(inp)),
        },
        # The bias is folded into folded_bias: the kernel gets NULL and the raw bias is not emitted.
        inputs=(op.inputs[0], filt.index, -1), outputs=(op.outputs[0],))


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    filt = constant_input(graph, op, 1, "weights")
    require_zero_filter_offset(op, filt)
    require_symmetric_int16(op, inp, out)
    shape = _shape(graph, op)
    multipliers, shifts = _multipliers(graph, op, shape["units"])
    return KernelCall(
        params={**shape, **output_stage(op, out, multipliers, shifts)},
        inputs=(op.inputs[0], filt.index, no_bias_or_constant(graph, op, 2)), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    filt = constant_input(graph, op, 1, "weights")
    act_min, act_max = activation_range_float(fused_activation(op))
    return KernelCall(
        params={**_shape(graph, op), "act_min": Float32(act_min), "act_max": Float32(act_max)},
        inputs=(op.inputs[0], filt.index, no_bias_or_constant(graph, op, 2)), outputs=(op.outputs[0],))


def build_int8_mve(graph: Graph, op: Operator) -> KernelCall:
    """Cortex-M55: every input row times the re-laid weights (see runtime/kernels/cortex-m55/)."""
    portable = build_int8(graph, op).params
    filt = constant_input(graph, op, 1, "weights")
    return KernelCall(
        params={"batches": portable["batches"], "depth": portable["depth"], "units": portable["units"],
                "weights": _mve.matvec_weights(filt.data.reshape(portable["units"], portable["depth"])),
                "out": _mve.output_stage(portable)},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="FULLY_CONNECTED", types=("int8,int8,int32->int8", "int8,int8->int8"),
           function="tl_fully_connected_int8", c_file="kernels/fully_connected_int8.c",
           header="kernels/fully_connected.h", build=build_int8),
    Kernel(op="FULLY_CONNECTED", types=("int16,int8,int64->int16", "int16,int8->int16"),
           function="tl_fully_connected_int16",
           c_file="kernels/fully_connected_int16.c", header="kernels/fully_connected.h", build=build_int16),
    Kernel(op="FULLY_CONNECTED", types=("float32,float32,float32->float32", "float32,float32->float32"),
           function="tl_fully_connected_f32", c_file="kernels/fully_connected_f32.c",
           header="kernels/fully_connected.h", build=build_f32, runtime=()),
    Kernel(op="FULLY_CONNECTED", types=("int8,int8,int32->int8", "int8,int8->int8"),
           function="tl_fully_connected_int8_mve", c_file="kernels/cortex-m55/fully_connected_int8_mve.c",
           header="kernels/cortex-m55/fully_connected_mve.h", build=build_int8_mve, cpu=_mve.CPU,
           runtime=_mve.RUNTIME),
]
