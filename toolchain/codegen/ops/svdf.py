"""SVDF (int8 input with int16 state and time weights and int32 bias; float32), with TFLM's Prepare:
float32 effective scales (input x feature / state, state x time / output) turned into multipliers,
scratch of (batches x filters + batches x units) int32 (int8) or batches x filters floats. The state
is a variable tensor: the planner keeps it for the whole run and between runs, as TFLM does, and it
starts at zero (TFLM resets it to zero; an int8 state with a non-zero zero point is refused)."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall, TensorData
from toolchain.codegen.ops._common import constant_input, optional_input
from toolchain.codegen.params import f32, quantize_multiplier, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}  # TL_SVDF_* in svdf.h


def _shape(graph: Graph, op: Operator) -> dict:
    if len(op.inputs) != 5:
        raise UnsupportedError(f"operator {op.index} SVDF: needs 5 inputs (TFLM requires them)")
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    wf = constant_input(graph, op, 1, "feature weights")
    wt = constant_input(graph, op, 2, "time weights")
    state = graph.tensors[op.inputs[4]]
    rank = int(op.options.get("rank", 0))
    if len(inp.shape) != 2 or len(wf.shape) != 2 or len(wt.shape) != 2 or rank < 1 or wf.shape[0] % rank:
        raise UnsupportedError(f"operator {op.index} SVDF: shapes {inp.describe()}, {wf.describe()}, "
                               f"{wt.describe()} with rank {rank} are not an SVDF TFLM runs")
    batches, input_size = inp.shape
    filters, memory = wt.shape
    units = filters // rank
    if wf.shape != (filters, input_size) or tuple(out.shape) != (batches, units) \
            or tuple(state.shape) != (batches, memory * filters):
        raise UnsupportedError(f"operator {op.index} SVDF: shapes do not fit together "
                               f"({inp.describe()}, {wf.describe()}, {wt.describe()}, state {state.describe()}, "
                               f"output {out.describe()})")
    if not state.is_variable or state.is_constant:
        raise UnsupportedError(f"operator {op.index} SVDF: the activation state must be a variable tensor "
                               f"(TFLM requires it)")
    bias = optional_input(graph, op, 3)
    if bias is None or not bias.is_constant or bias.num_elements != units:
        raise UnsupportedError(f"operator {op.index} SVDF: needs a constant bias of {units} values (TFLM's "
                               f"kernel crashes without one)")
    return {"batches": batches, "input_size": input_size, "filters": filters, "units": units, "rank": rank,
            "memory": memory}


def _call(op: Operator, params: dict, scratch_bytes: int) -> KernelCall:
    return KernelCall(params=params, inputs=tuple(op.inputs[:4]), outputs=(op.outputs[0],),
                      scratch_bytes=scratch_bytes)


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    s = _shape(graph, op)
    inp, wf, wt, _, state = (graph.tensors[i] for i in op.inputs)
    out = graph.tensors[op.outputs[0]]
    if zero_point_of(state) != 0:
        raise UnsupportedError(f"operator {op.index} SVDF: the int16 state must have zero point 0")
    # TFLM multiplies and divides the float32 scales in float32, then widens to double
    m1, s1 = quantize_multiplier(float(f32(scale_of(inp)) * f32(scale_of(wf)) / f32(scale_of(state))))
    m2, s2 = quantize_multiplier(float(f32(scale_of(state)) * f32(scale_of(wt)) / f32(scale_of(out))))
    return _call(op, {"s": s, "input_zero_point": zero_point_of(inp), "output_zero_point": zero_point_of(out),
                      "multiplier_1": m1, "shift_1": s1, "multiplier_2": m2, "shift_2": s2,
                      "state": TensorData(state.index)},
                 4 * s["batches"] * (s["filters"] + s["units"]))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    s = _shape(graph, op)
    activation = str(op.options.get("fused_activation_function", "NONE"))
    if activation not in ACTIVATIONS:
        raise UnsupportedError(f"operator {op.index} SVDF: fused activation {activation} is not supported")
    return _call(op, {"s": s, "activation": ACTIVATIONS[activation], "state": TensorData(op.inputs[4])},
                 4 * s["batches"] * s["filters"])


KERNELS = [
    Kernel(op="SVDF", types=("int8,int8,int16,int32,int16->int8",), function="tl_svdf_int8",
           c_file="kernels/svdf_int8.c", header="kernels/svdf.h", build=build_int8),
    Kernel(op="SVDF", types=("float32,float32,float32,float32,float32->float32",),
           function="tl_svdf_f32", c_file="kernels/svdf_f32.c", header="kernels/svdf.h", build=build_f32, runtime=()),
]
