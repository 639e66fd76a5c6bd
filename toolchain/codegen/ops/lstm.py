"""UNIDIRECTIONAL_SEQUENCE_LSTM: the standard Keras LSTM TFLM's kernel runs, in float32, int8
(int8 weights, int32 biases, int16 cell state) and 16x8 (int16 activations, int8 weights, int64
biases, int16 cell state). All four gates' weights and biases present; peephole, projection, layer
norm and CIFG (no input gate) are refused, as TFLM refuses them; tanh is the cell activation. Hidden
and cell state are variable tensors (kept between invocations, as TFLM).

The integer Prepare, as TFLM's: each gate's two FCs rescale to Q3.12 (multiplier input scale x
weight scale / 2^-12 in double; the biases' scales are not consulted, as in TFLM), gates come out of the sigmoid / tanh table in Q0.15, the cell state's scale is taken as the
power of two nearest to it (CheckedLog2 rounded), and the three products (forget x cell, input x
cell gate, output x tanh(cell)) get multipliers from the float32 scales multiplied in double."""
from __future__ import annotations

from toolchain.codegen.kernel_table import ConstArray, Float32, Kernel, KernelCall, TensorData
from toolchain.codegen.ops._common import constant_input, optional_input
from toolchain.codegen.ops._sigmoid_table import checked_log2, sigmoid_table
from toolchain.codegen.params import f32, quantize_multiplier, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator, Tensor

INPUT_WEIGHTS, RECURRENT_WEIGHTS, PEEPHOLES, BIASES = (1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11), (12, 13, 14, 15)
PROJECTION, HIDDEN, CELL, LAYER_NORMS = (16, 17), 18, 19, (20, 21, 22, 23)
INPUT_COUNT = 24
# proj_clip is ignored, as in TFLM: there is no projection
GATE_INPUT_SCALE = 2.0 ** -12   # FC outputs, Q3.12
GATE_OUTPUT_SCALE = 2.0 ** -15  # sigmoid / tanh outputs, Q0.15
# activation type -> (weight type, bias type, cell state type) TFLM's Eval accepts
INTEGER_TYPES = {"int8": ("int8", "int32", "int16"), "int16": ("int8", "int64", "int16")}


def _fail(op: Operator, why: str) -> UnsupportedError:
    return UnsupportedError(f"operator {op.index} UNIDIRECTIONAL_SEQUENCE_LSTM: {why}")


def _layout(graph: Graph, op: Operator) -> dict:
    """The checks of TFLM's Prepare that every type shares, and the sizes."""
    if len(op.inputs) != INPUT_COUNT:
        raise _fail(op, f"{len(op.inputs)} inputs (TFLM requires {INPUT_COUNT})")
    variants = {"peephole": PEEPHOLES, "projection": PROJECTION, "layer norm": LAYER_NORMS}
    for name, positions in variants.items():
        present = [i for i in positions if optional_input(graph, op, i) is not None]
        if present:
            raise _fail(op, f"{name} inputs {present} are present; TFLM's LSTM kernel supports none")
    if optional_input(graph, op, INPUT_WEIGHTS[0]) is None:
        raise _fail(op, "no input gate (CIFG); TFLM's LSTM kernel requires all four gates")
    activation = op.options.get("fused_activation_function", "TANH")
    if activation != "TANH":  # TFLM's gate step has a case for tanh (and sigmoid, which no schema value reaches)
        raise _fail(op, f"cell gate activation {activation}: TFLM's LSTM runs TANH only (its gate step "
                        f"has no case for any other: it asserts)")
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    hidden, cell = optional_input(graph, op, HIDDEN), optional_input(graph, op, CELL)
    if hidden is None or cell is None:
        raise _fail(op, "hidden or cell state is missing")
    if not (hidden.is_variable and cell.is_variable) or hidden.is_constant or cell.is_constant:
        raise _fail(op, "hidden and cell state must be variable tensors (TFLM requires them)")
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
    return {"batches": batches, "steps": steps, "input_size": input_size, "units": units, "time_major": time_major,
            "inp": inp, "out": out, "hidden": hidden, "cell": cell,
            "weights": weights, "recurrent": recurrent, "biases": biases}


def _require_types(op: Operator, s: dict, activation: str, weight: str, bias: str, cell: str) -> None:
    found = {"input": s["inp"].dtype, "output": s["out"].dtype, "hidden state": s["hidden"].dtype,
             "cell state": s["cell"].dtype,
             "weights": ",".join(sorted({t.dtype for t in s["weights"] + s["recurrent"]})),
             "biases": ",".join(sorted({t.dtype for t in s["biases"]}))}
    wanted = {"input": activation, "output": activation, "hidden state": activation, "cell state": cell,
              "weights": weight, "biases": bias}
    wrong = [f"{name} {found[name]}" for name in wanted if found[name] != wanted[name]]
    if wrong:
        raise _fail(op, f"{', '.join(wrong)}: with {activation} activations TFLM's LSTM takes {weight} weights, "
                        f"{bias} biases and a {cell} cell state")


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    s = _layout(graph, op)
    _require_types(op, s, "float32", "float32", "float32", "float32")
    return KernelCall(params={
        "batches": s["batches"], "steps": s["steps"], "input_size": s["input_size"], "units": s["units"],
        "time_major": s["time_major"],
        "cell_clip": Float32(float(op.options.get("cell_clip", 0.0) or 0.0)),
        "input_weights": [TensorData(w.index) for w in s["weights"]],
        "recurrent_weights": [TensorData(r.index) for r in s["recurrent"]],
        "bias": [TensorData(b.index) for b in s["biases"]],
        "hidden": TensorData(s["hidden"].index), "cell": TensorData(s["cell"].index)},
        inputs=(s["inp"].index,), outputs=(s["out"].index,), scratch_bytes=6 * 4 * s["units"])


def _per_tensor_symmetric(op: Operator, t: Tensor, what: str) -> float:
    if t.quant is None or len(t.quant.scale) != 1:
        raise _fail(op, f"{what} {t.describe()} needs one scale (TFLM's LSTM reads one scale per weight tensor)")
    if zero_point_of(t) != 0:
        raise _fail(op, f"{what} {t.describe()} must be symmetric (zero point 0, TFLM requires it)")
    return scale_of(t)


def _fc_quant(op: Operator, x: Tensor, weights: Tensor, what: str) -> dict:
    """TFLM's CalculateOpDataFullyConnected with a Q3.12 int16 output (the bias's own scale is not
    consulted: TFLM's LSTM runs whatever bias scale the model carries)."""
    weight_scale = _per_tensor_symmetric(op, weights, what)
    x_scale = scale_of(x)
    multiplier, shift = quantize_multiplier(float(f32(x_scale)) * float(f32(weight_scale)) / GATE_INPUT_SCALE)
    return {"input_offset": -zero_point_of(x), "multiplier": multiplier, "shift": shift}


def _rescale(product_scale: float, output_scale: float) -> dict:
    multiplier, shift = quantize_multiplier(product_scale / float(f32(output_scale)))
    return {"multiplier": multiplier, "shift": shift}


def _cell_tanh_rescale(cell_log2: int) -> tuple[int, int]:
    """TFLM's tanh of the cell state: the Q3.12 table input reached by a left shift of
    15 + log2(scale) - 3, or, when that is negative, x * 3 rounded right by its magnitude."""
    left = 15 + cell_log2 - 3
    return (3, -left) if left < 0 else (3 << left, 0)


def _integer_quant(op: Operator, s: dict) -> dict:
    inp, hidden, cell = s["inp"], s["hidden"], s["cell"]
    if zero_point_of(cell) != 0:
        raise _fail(op, f"the int16 cell state must have zero point 0, not {zero_point_of(cell)}")
    _, cell_log2 = checked_log2(f32(scale_of(cell)))
    cell_scale = float(f32(scale_of(cell)))
    cell_clip = float(op.options.get("cell_clip", 0.0) or 0.0)
    tanh_multiplier, tanh_shift = _cell_tanh_rescale(cell_log2)
    return {
        "batches": s["batches"], "steps": s["steps"], "input_size": s["input_size"], "units": s["units"],
        "time_major": s["time_major"],
        "input_fc": [_fc_quant(op, inp, w, f"gate {g} input weights") for g, w in enumerate(s["weights"])],
        "recurrent_fc": [_fc_quant(op, hidden, r, f"gate {g} recurrent weights")
                         for g, r in enumerate(s["recurrent"])],
        "forget_times_cell": _rescale(GATE_OUTPUT_SCALE * cell_scale, cell_scale),
        "input_times_cell_gate": _rescale(GATE_OUTPUT_SCALE * GATE_OUTPUT_SCALE, cell_scale),
        "output_times_tanh": _rescale(GATE_OUTPUT_SCALE * GATE_OUTPUT_SCALE, scale_of(hidden)),
        "hidden_zero_point": zero_point_of(hidden),
        "clip_cell": cell_clip > 0.0,
        # double division, clamped to int16, truncated toward zero
        "cell_clip": int(min(max(float(f32(cell_clip)) / cell_scale, -32768.0), 32767.0)),
        "cell_tanh_multiplier": tanh_multiplier, "cell_tanh_shift": tanh_shift,
        "sigmoid_table": ConstArray("sigmoid_table", "uint16", sigmoid_table())}


def _build_integer(graph: Graph, op: Operator, activation: str) -> KernelCall:
    s = _layout(graph, op)
    _require_types(op, s, activation, *INTEGER_TYPES[activation])
    if s["hidden"].quant is None or s["inp"].quant is None or s["cell"].quant is None:
        raise _fail(op, "input, hidden and cell state need quantization parameters")
    return KernelCall(params={
        "q": _integer_quant(op, s),
        "input_weights": [TensorData(w.index) for w in s["weights"]],
        "recurrent_weights": [TensorData(r.index) for r in s["recurrent"]],
        "bias": [TensorData(b.index) for b in s["biases"]],
        "hidden": TensorData(s["hidden"].index), "cell": TensorData(s["cell"].index)},
        inputs=(s["inp"].index,), outputs=(s["out"].index,), scratch_bytes=5 * 2 * s["units"])


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    return _build_integer(graph, op, "int8")


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    return _build_integer(graph, op, "int16")


_INTEGER_RUNTIME = ("tl_quant.h", "tl_quant.c", "kernels/lstm_int_steps.h", "kernels/sigmoid_table.h",
                    "kernels/logistic_int16.c", "kernels/tanh_int16.c")
# The input's type picks the row; the builders check every other type and name what TFLM refuses.
KERNELS = [
    Kernel(op="UNIDIRECTIONAL_SEQUENCE_LSTM", types=("float32,*",), function="tl_lstm_f32",
           c_file="kernels/lstm_f32.c", header="kernels/lstm.h", build=build_f32,
           runtime=("kernels/activations.h", "kernels/logistic_f32.c", "kernels/tanh_f32.c")),
    Kernel(op="UNIDIRECTIONAL_SEQUENCE_LSTM", types=("int8,*",), function="tl_lstm_int8",
           c_file="kernels/lstm_int8.c", header="kernels/lstm.h", build=build_int8, runtime=_INTEGER_RUNTIME),
    Kernel(op="UNIDIRECTIONAL_SEQUENCE_LSTM", types=("int16,*",), function="tl_lstm_int16",
           c_file="kernels/lstm_int16.c", header="kernels/lstm.h", build=build_int16, runtime=_INTEGER_RUNTIME),
]
