"""UNIDIRECTIONAL_SEQUENCE_LSTM, float32, the standard Keras LSTM TFLM's general kernel runs: all
four gates' weights and biases present, no peephole, projection, layer norm; tanh as the cell
activation. Hidden and cell state are variable tensors (kept between invocations, as TFLM)."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Float32, Kernel, KernelCall, TensorData
from toolchain.codegen.ops._common import constant_input, optional_input
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

INPUT_WEIGHTS, RECURRENT_WEIGHTS, PEEPHOLES, BIASES = (1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11), (12, 13, 14, 15)
PROJECTION, HIDDEN, CELL, LAYER_NORMS = (16, 17), 18, 19, (20, 21, 22, 23)


def _fail(op: Operator, why: str) -> UnsupportedError:
    return UnsupportedError(f"operator {op.index} UNIDIRECTIONAL_SEQUENCE_LSTM: {why}")


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    if len(op.inputs) < 20:
        raise _fail(op, f"{len(op.inputs)} inputs (at least 20)")
    absent = [i for i in (*PEEPHOLES, *PROJECTION, *LAYER_NORMS) if optional_input(graph, op, i) is not None]
    if absent:
        raise _fail(op, f"inputs {absent} (peephole, projection or layer norm) are not supported")
    if op.options.get("fused_activation_function", "TANH") != "TANH":
        raise _fail(op, f"cell activation {op.options.get('fused_activation_function')} (only TANH)")
    if float(op.options.get("proj_clip", 0.0) or 0.0) != 0.0:
        raise _fail(op, "proj_clip without projection")
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    hidden, cell = graph.tensors[op.inputs[HIDDEN]], graph.tensors[op.inputs[CELL]]
    time_major = bool(op.options.get("time_major", False))
    if len(inp.shape) != 3:
        raise _fail(op, f"input {inp.describe()} is not 3-D")
    steps, batches, input_size = inp.shape if time_major else (inp.shape[1], inp.shape[0], inp.shape[2])
    units = hidden.shape[-1] if hidden.shape else 0
    weights = [constant_input(graph, op, i, "input weights") for i in INPUT_WEIGHTS]
    recurrent = [constant_input(graph, op, i, "recurrent weights") for i in RECURRENT_WEIGHTS]
    biases = [constant_input(graph, op, i, "gate bias") for i in BIASES]
    want_out = (steps, batches, units) if time_major else (batches, steps, units)
    if any(w.shape != (units, input_size) for w in weights) or any(r.shape != (units, units) for r in recurrent) \
            or any(b.shape != (units,) for b in biases) or tuple(out.shape) != want_out \
            or tuple(hidden.shape) != (batches, units) or tuple(cell.shape) != (batches, units):
        raise _fail(op, "weight, bias, state or output shapes do not fit the input")
    if not (hidden.is_variable and cell.is_variable) or hidden.is_constant or cell.is_constant:
        raise _fail(op, "hidden and cell state must be variable tensors (TFLM requires them)")
    return KernelCall(params={
        "batches": batches, "steps": steps, "input_size": input_size, "units": units, "time_major": time_major,
        "cell_clip": Float32(float(op.options.get("cell_clip", 0.0) or 0.0)),
        "input_weights": [TensorData(w.index) for w in weights],
        "recurrent_weights": [TensorData(r.index) for r in recurrent],
        "bias": [TensorData(b.index) for b in biases],
        "hidden": TensorData(hidden.index), "cell": TensorData(cell.index)},
        inputs=(inp.index,), outputs=(out.index,), scratch_bytes=6 * 4 * units)


KERNELS = [
    Kernel(op="UNIDIRECTIONAL_SEQUENCE_LSTM", types=("float32" + ",float32" * 12 + ",float32,float32->float32",),
           function="tl_lstm_f32", c_file="kernels/lstm_f32.c", header="kernels/lstm.h", build=build_f32,
           runtime=("kernels/activations.h", "kernels/logistic_f32.c", "kernels/tanh_f32.c")),
]
