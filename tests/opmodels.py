"""Seeded random single-operator models, built without TensorFlow (Graph -> writer -> .tflite).

`MODEL_MAKERS[op](rng, dtype)` returns a Graph holding one `op` operator with random shapes,
strides, paddings, dilations, scales, zero points and fused activations; `random_inputs` draws
matching input samples; `CASES` lists the (operator, dtype) pairs: int8 and float32 for every
operator, int16 (16x8) where the generator has int16 kernels. `merge_graphs` puts independent
models side by side so one build checks many. Property tests compare the generated C with TFLM.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from toolchain.model.graph import Graph, Operator, Quantization, Tensor

INT8 = "int8"
INT16 = "int16"
FLOAT32 = "float32"
_ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


class GraphBuilder:
    """Collects tensors and operators, then hands out the Graph."""

    def __init__(self) -> None:
        self.tensors: list[Tensor] = []
        self.operators: list[Operator] = []

    def tensor(self, shape, dtype: str, quant: Quantization | None = None, data=None, name: str = "") -> int:
        index = len(self.tensors)
        array = None if data is None else np.asarray(data, dtype=dtype).reshape(tuple(shape))
        self.tensors.append(Tensor(index=index, name=name or f"t{index}", shape=tuple(int(d) for d in shape),
                                   dtype=dtype, quant=quant, data=array))
        return index

    def op(self, name: str, inputs, outputs, options: dict | None = None, version: int = 1) -> None:
        self.operators.append(Operator(index=len(self.operators), op=name, inputs=tuple(inputs),
                                       outputs=tuple(outputs), options=dict(options or {}), version=version))

    def graph(self, inputs, outputs, name: str = "opmodel") -> Graph:
        return Graph(tensors=self.tensors, operators=self.operators, inputs=tuple(inputs),
                     outputs=tuple(outputs), name=name)


def merge_graphs(graphs: list[Graph], name: str = "merged") -> Graph:
    """Independent models side by side in one Graph (inputs and outputs in order): one build and
    one interpreter run check them all."""
    tensors: list[Tensor] = []
    operators: list[Operator] = []
    inputs: list[int] = []
    outputs: list[int] = []
    for g in graphs:
        base = len(tensors)
        for t in g.tensors:
            tensors.append(Tensor(index=base + t.index, name=f"m{len(inputs)}_{t.name}", shape=t.shape,
                                  dtype=t.dtype, quant=t.quant, data=t.data, is_variable=t.is_variable))
        for op in g.operators:
            operators.append(Operator(index=len(operators), op=op.op, options=dict(op.options), version=op.version,
                                      inputs=tuple(i + base if i >= 0 else -1 for i in op.inputs),
                                      outputs=tuple(i + base for i in op.outputs)))
        inputs += [i + base for i in g.inputs]
        outputs += [i + base for i in g.outputs]
    return Graph(tensors=tensors, operators=operators, inputs=tuple(inputs), outputs=tuple(outputs), name=name)


# ---------------------------------------------------------------- random quantization

def qparams(rng: np.random.Generator, lo: float = 0.005, hi: float = 0.2) -> Quantization:
    scale = float(np.float32(math.exp(rng.uniform(math.log(lo), math.log(hi)))))
    return Quantization(scale=(scale,), zero_point=(int(rng.integers(-128, 128)),))


def qparams16(rng: np.random.Generator, lo: float = 1e-4, hi: float = 2e-3) -> Quantization:
    """int16 activations are symmetric (zero point 0), as TFLM's 16x8 kernels require."""
    scale = float(np.float32(math.exp(rng.uniform(math.log(lo), math.log(hi)))))
    return Quantization(scale=(scale,), zero_point=(0,))


def act_tensor(b: GraphBuilder, rng, shape, dtype: str, quant: Quantization | None = None) -> int:
    """A non-constant tensor; int8/int16 ones get random quantization unless one is given."""
    if quant is None and dtype in (INT8, INT16):
        quant = qparams(rng) if dtype == INT8 else qparams16(rng)
    return b.tensor(shape, dtype, quant if dtype in (INT8, INT16) else None)


def random_inputs(graph: Graph, n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """`n` samples per model input, stacked (n, *shape), covering the whole int8 range."""
    out = []
    for t in graph.input_tensors:
        if t.dtype == "float32":
            out.append(rng.uniform(-4, 4, size=(n, *t.shape)).astype(np.float32))
        else:
            info = np.iinfo(t.dtype)
            out.append(rng.integers(info.min, info.max + 1, size=(n, *t.shape)).astype(t.dtype))
    return out


def _activation(rng) -> str:
    return str(rng.choice(_ACTIVATIONS))


def _window_out(padding: str, size: int, k: int, stride: int, dilation: int) -> int:
    effective = (k - 1) * dilation + 1
    return (size + stride - 1) // stride if padding == "SAME" else (size - effective + stride) // stride


def _window_geometry(rng, max_k: int = 3, dilate: bool = True):
    """Random (in_h, in_w, k_h, k_w, stride, dilation, padding) with a non-empty output."""
    while True:
        k_h, k_w = int(rng.integers(1, max_k + 1)), int(rng.integers(1, max_k + 1))
        stride = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        dilation = (int(rng.integers(1, 3)), int(rng.integers(1, 3))) if dilate and rng.random() < 0.3 else (1, 1)
        if dilation != (1, 1):
            stride = (1, 1)  # TFLite forbids stride > 1 together with dilation > 1
        padding = str(rng.choice(["SAME", "VALID"]))
        in_h, in_w = int(rng.integers(1, 10)), int(rng.integers(1, 10))
        out_h = _window_out(padding, in_h, k_h, stride[0], dilation[0])
        out_w = _window_out(padding, in_w, k_w, stride[1], dilation[1])
        if out_h > 0 and out_w > 0:
            return in_h, in_w, k_h, k_w, stride, dilation, padding, out_h, out_w


# ---------------------------------------------------------------- weighted operators

def _filter(rng, shape, dtype: str, channel_axis: int, per_channel: bool):
    if dtype == FLOAT32:
        return rng.uniform(-1, 1, size=shape).astype(np.float32), None
    channels = shape[channel_axis]
    n = channels if per_channel else 1
    scales = tuple(float(np.float32(s)) for s in rng.uniform(0.002, 0.05, size=n))
    data = rng.integers(-127, 128, size=shape).astype(np.int8)
    return data, Quantization(scale=scales, zero_point=(0,) * n, axis=channel_axis if per_channel else 0)


def _bias(rng, b: GraphBuilder, dtype: str, in_quant, filter_quant, channels: int) -> int:
    if dtype == FLOAT32:
        return b.tensor((channels,), FLOAT32, data=rng.uniform(-1, 1, size=channels).astype(np.float32))
    w_scales = filter_quant.scale if len(filter_quant.scale) > 1 else filter_quant.scale * channels
    scales = tuple(float(np.float32(in_quant.scale[0] * s)) for s in w_scales)
    quant = Quantization(scale=scales, zero_point=(0,) * channels)
    return b.tensor((channels,), "int32", quant, data=rng.integers(-4000, 4000, size=channels).astype(np.int32))


def _output_quant(rng, in_quant, filter_quant, taps: int) -> Quantization:
    """An output scale near the accumulator's natural spread, so outputs use (and sometimes
    saturate) the whole int8 range."""
    spread = in_quant.scale[0] * max(filter_quant.scale) * 64 * math.sqrt(taps) / 128
    scale = float(np.float32(spread * math.exp(rng.uniform(-1.0, 1.0))))
    return Quantization(scale=(scale,), zero_point=(int(rng.integers(-128, 128)),))


def conv_2d(rng, dtype: str) -> Graph:
    in_h, in_w, k_h, k_w, stride, dilation, padding, out_h, out_w = _window_geometry(rng)
    in_c, out_c = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    b = GraphBuilder()
    x = act_tensor(b, rng, (1, in_h, in_w, in_c), dtype)
    w_data, w_quant = _filter(rng, (out_c, k_h, k_w, in_c), dtype, 0, rng.random() < 0.7)
    w = b.tensor(w_data.shape, dtype, w_quant, data=w_data)
    bias = _bias(rng, b, dtype, b.tensors[x].quant, w_quant, out_c)
    out_q = _output_quant(rng, b.tensors[x].quant, w_quant, k_h * k_w * in_c) if dtype == INT8 else None
    y = b.tensor((1, out_h, out_w, out_c), dtype, out_q)
    b.op("CONV_2D", (x, w, bias), (y,), {
        "padding": padding, "stride_w": stride[1], "stride_h": stride[0],
        "fused_activation_function": _activation(rng), "dilation_w_factor": dilation[1],
        "dilation_h_factor": dilation[0], "quantized_bias_type": 0}, version=3)
    return b.graph((x,), (y,))


def depthwise_conv_2d(rng, dtype: str) -> Graph:
    in_h, in_w, k_h, k_w, stride, dilation, padding, out_h, out_w = _window_geometry(rng)
    in_c, multiplier = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    out_c = in_c * multiplier
    b = GraphBuilder()
    x = act_tensor(b, rng, (1, in_h, in_w, in_c), dtype)
    w_data, w_quant = _filter(rng, (1, k_h, k_w, out_c), dtype, 3, rng.random() < 0.7)
    w = b.tensor(w_data.shape, dtype, w_quant, data=w_data)
    bias = _bias(rng, b, dtype, b.tensors[x].quant, w_quant, out_c)
    out_q = _output_quant(rng, b.tensors[x].quant, w_quant, k_h * k_w) if dtype == INT8 else None
    y = b.tensor((1, out_h, out_w, out_c), dtype, out_q)
    b.op("DEPTHWISE_CONV_2D", (x, w, bias), (y,), {
        "padding": padding, "stride_w": stride[1], "stride_h": stride[0], "depth_multiplier": multiplier,
        "fused_activation_function": _activation(rng), "dilation_w_factor": dilation[1],
        "dilation_h_factor": dilation[0]}, version=3)
    return b.graph((x,), (y,))


def fully_connected(rng, dtype: str) -> Graph:
    batch, n_in, n_out = int(rng.integers(1, 4)), int(rng.integers(1, 40)), int(rng.integers(1, 12))
    b = GraphBuilder()
    x = act_tensor(b, rng, (batch, n_in), dtype)
    w_data, w_quant = _filter(rng, (n_out, n_in), dtype, 0, False)
    w = b.tensor(w_data.shape, dtype, w_quant, data=w_data)
    bias = _bias(rng, b, dtype, b.tensors[x].quant, w_quant, n_out) if rng.random() < 0.8 else -1
    out_q = _output_quant(rng, b.tensors[x].quant, w_quant, n_in) if dtype == INT8 else None
    y = b.tensor((batch, n_out), dtype, out_q)
    b.op("FULLY_CONNECTED", (x, w, bias), (y,), {
        "fused_activation_function": _activation(rng), "weights_format": 0, "keep_num_dims": False,
        "asymmetric_quantize_inputs": False, "quantized_bias_type": 0}, version=4 if dtype == INT8 else 1)
    return b.graph((x,), (y,))


# ---------------------------------------------------------------- pooling

def _pool(name: str, rng, dtype: str) -> Graph:
    in_h, in_w, k_h, k_w, stride, _, padding, out_h, out_w = _window_geometry(rng, max_k=4, dilate=False)
    channels = int(rng.integers(1, 6))
    b = GraphBuilder()
    x = act_tensor(b, rng, (1, in_h, in_w, channels), dtype)
    y = act_tensor(b, rng, (1, out_h, out_w, channels), dtype, b.tensors[x].quant)  # pools keep quantization
    b.op(name, (x,), (y,), {"padding": padding, "stride_w": stride[1], "stride_h": stride[0],
                            "filter_width": k_w, "filter_height": k_h,
                            "fused_activation_function": _activation(rng)}, version=2)
    return b.graph((x,), (y,))


def average_pool_2d(rng, dtype: str) -> Graph:
    return _pool("AVERAGE_POOL_2D", rng, dtype)


def max_pool_2d(rng, dtype: str) -> Graph:
    return _pool("MAX_POOL_2D", rng, dtype)


# ---------------------------------------------------------------- elementwise binary

def _broadcast_shapes(rng):
    rank = int(rng.integers(1, 5))
    full = [int(rng.integers(1, 5)) for _ in range(rank)]
    other = [d if rng.random() < 0.6 else 1 for d in full]
    if rng.random() < 0.3:
        other = other[int(rng.integers(0, rank)):]  # lower rank broadcasts too
    pair = [full, other]
    rng.shuffle(pair)
    out = [max(a, b) for a, b in zip([1] * (rank - len(pair[0])) + pair[0], [1] * (rank - len(pair[1])) + pair[1])]
    return tuple(pair[0]), tuple(pair[1]), tuple(out)


def _binary(name: str, rng, dtype: str) -> Graph:
    a_shape, b_shape, out_shape = _broadcast_shapes(rng)
    b = GraphBuilder()
    x1 = act_tensor(b, rng, a_shape, dtype)
    x2 = act_tensor(b, rng, b_shape, dtype)
    if dtype in (INT8, INT16) and name == "MUL":
        lo = b.tensors[x1].quant.scale[0] * b.tensors[x2].quant.scale[0] * (8 if dtype == INT8 else 2048)
        out_q = qparams(rng, lo, lo * 64) if dtype == INT8 else qparams16(rng, lo, lo * 64)
    else:
        out_q = None
    y = act_tensor(b, rng, out_shape, dtype, out_q)
    options = {} if name in ("MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE") else \
        {"fused_activation_function": _activation(rng)}
    if name == "ADD":
        options["pot_scale_int16"] = True
    b.op(name, (x1, x2), (y,), options, version=2 if dtype == INT8 else 1)
    return b.graph((x1, x2), (y,))


def add(rng, dtype: str) -> Graph:
    return _binary("ADD", rng, dtype)


def mul(rng, dtype: str) -> Graph:
    return _binary("MUL", rng, dtype)


# ---------------------------------------------------------------- shape and data movement

def _random_shape(rng, min_rank: int = 1, max_rank: int = 5, max_dim: int = 4) -> tuple[int, ...]:
    return tuple(int(rng.integers(1, max_dim + 1)) for _ in range(int(rng.integers(min_rank, max_rank + 1))))


def reshape(rng, dtype: str) -> Graph:
    shape = _random_shape(rng)
    n = int(np.prod(shape))
    new_shape = (1, n) if rng.random() < 0.5 else (n,)
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    s = b.tensor((len(new_shape),), "int32", data=np.asarray(new_shape, dtype=np.int32))
    y = act_tensor(b, rng, new_shape, dtype, b.tensors[x].quant)
    b.op("RESHAPE", (x, s), (y,), {"new_shape": list(new_shape)})
    return b.graph((x,), (y,))


def squeeze(rng, dtype: str) -> Graph:
    shape = list(_random_shape(rng, 2, 4))
    shape[int(rng.integers(0, len(shape)))] = 1
    dims = [i for i, d in enumerate(shape) if d == 1]
    if len(dims) == len(shape):
        dims = dims[:-1]  # keep one dimension: the host runner takes no rank-0 outputs yet
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    y = act_tensor(b, rng, [d for i, d in enumerate(shape) if i not in dims], dtype, b.tensors[x].quant)
    b.op("SQUEEZE", (x,), (y,), {"squeeze_dims": dims})
    return b.graph((x,), (y,))


def concatenation(rng, dtype: str) -> Graph:
    shape = list(_random_shape(rng, 1, 5))
    axis = int(rng.integers(0, len(shape)))
    n_inputs = int(rng.integers(2, 5))
    # TFLM's integer kernel needs one shared quantization
    quant = {INT8: qparams, INT16: qparams16}[dtype](rng) if dtype != FLOAT32 else None
    b = GraphBuilder()
    inputs = []
    for _ in range(n_inputs):
        part = list(shape)
        part[axis] = int(rng.integers(1, 4))
        inputs.append(act_tensor(b, rng, part, dtype, quant))
    out_shape = list(shape)
    out_shape[axis] = sum(b.tensors[i].shape[axis] for i in inputs)
    y = act_tensor(b, rng, out_shape, dtype, quant)
    stored_axis = axis - len(shape) if rng.random() < 0.3 else axis  # negative axes count from the end
    b.op("CONCATENATION", inputs, (y,), {"axis": stored_axis, "fused_activation_function": "NONE"})
    return b.graph(inputs, (y,))


def _pad(name: str, rng, dtype: str) -> Graph:
    shape = _random_shape(rng, 1, 5)
    pads = rng.integers(0, 3, size=(len(shape), 2)).astype(np.int32)
    out_shape = tuple(int(d + p.sum()) for d, p in zip(shape, pads))
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    quant = b.tensors[x].quant
    p = b.tensor(pads.shape, "int32", data=pads)
    inputs = [x, p]
    if name == "PADV2":
        value = rng.uniform(-2, 2) if dtype == FLOAT32 else rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max)
        inputs.append(b.tensor((1,), dtype, quant, data=np.asarray([value], dtype=dtype)))
    y = act_tensor(b, rng, out_shape, dtype, quant)
    b.op(name, inputs, (y,))
    return b.graph((x,), (y,))


def pad(rng, dtype: str) -> Graph:
    return _pad("PAD", rng, dtype)


def padv2(rng, dtype: str) -> Graph:
    return _pad("PADV2", rng, dtype)


def _reduction(name: str, rng, dtype: str, same_quant: bool | None = None) -> Graph:
    """MEAN-like reductions; `same_quant` forces (True) or forbids (False) one shared quantization,
    None draws it (30 %)."""
    shape = _random_shape(rng, 2, 5)
    if len(shape) == 4 and rng.random() < 0.5:
        axes = [1, 2]  # the global-average-pooling form
    else:
        count = int(rng.integers(1, len(shape) + 1))
        axes = sorted(int(a) for a in rng.choice(len(shape), size=count, replace=False))
    # all axes without keep_dims gives a rank-0 output, which the host runner does not take yet
    keep_dims = bool(rng.random() < 0.6) or len(axes) == len(shape)
    out_shape = [1 if i in axes else d for i, d in enumerate(shape)] if keep_dims else \
        [d for i, d in enumerate(shape) if i not in axes]
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    stored = [a - len(shape) if rng.random() < 0.3 else a for a in axes]  # negative axes count from the end
    a = b.tensor((len(axes),), "int32", data=np.asarray(stored, dtype=np.int32))
    same = dtype in (INT8, INT16) and (rng.random() < 0.3 if same_quant is None else same_quant)
    y = act_tensor(b, rng, out_shape, dtype, b.tensors[x].quant if same else None)
    b.op(name, (x, a), (y,), {"keep_dims": keep_dims})
    return b.graph((x,), (y,))


def mean(rng, dtype: str) -> Graph:
    return _reduction("MEAN", rng, dtype)


def expand_dims(rng, dtype: str) -> Graph:
    shape = _random_shape(rng, 1, 4)
    axis = int(rng.integers(-len(shape) - 1, len(shape) + 1))
    position = axis + len(shape) + 1 if axis < 0 else axis
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    a = b.tensor((1,), "int32", data=np.asarray([axis], dtype=np.int32))
    y = act_tensor(b, rng, shape[:position] + (1,) + shape[position:], dtype, b.tensors[x].quant)
    b.op("EXPAND_DIMS", (x, a), (y,))
    return b.graph((x,), (y,))


def _int32_const(b: GraphBuilder, values) -> int:
    return b.tensor((len(values),), "int32", data=np.asarray(values, dtype=np.int32))


def slice_(rng, dtype: str) -> Graph:
    shape = _random_shape(rng, 1, 4, 5)
    begin = [int(rng.integers(0, d)) for d in shape]
    size = [int(rng.integers(1, d - bg + 1)) if rng.random() < 0.8 else -1 for d, bg in zip(shape, begin)]
    out_shape = [d - bg if s == -1 else s for d, bg, s in zip(shape, begin, size)]
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    y = act_tensor(b, rng, out_shape, dtype, b.tensors[x].quant)
    b.op("SLICE", (x, _int32_const(b, begin), _int32_const(b, size)), (y,))
    return b.graph((x,), (y,))


def strided_slice(rng, dtype: str) -> Graph:
    """Random begins/ends (negative and out of range too), strides of either sign, begin/end/shrink
    masks and the offset flag; output dims from the same rules TFLM applies."""
    from toolchain.model.views import _strided_slice_axis, _strided_slice_prepared_dim

    while True:
        shape = _random_shape(rng, 1, 4, 6)
        rank = len(shape)
        begin = [int(rng.integers(-d - 1, d + 2)) for d in shape]
        end = [int(rng.integers(-d - 1, d + 2)) for d in shape]
        steps = [int(rng.choice([-3, -2, -1, 1, 1, 1, 2, 3])) for _ in shape]
        masks = {k: int(rng.integers(0, 1 << rank)) if rng.random() < 0.4 else 0
                 for k in ("begin_mask", "end_mask", "shrink_axis_mask")}
        offset = bool(rng.random() < 0.2)
        dims = [_strided_slice_axis(begin[a], end[a], steps[a], shape[a], bool(masks["begin_mask"] >> a & 1),
                                    bool(masks["end_mask"] >> a & 1), bool(masks["shrink_axis_mask"] >> a & 1),
                                    offset)[1] for a in range(rank)]
        prepared = [_strided_slice_prepared_dim(begin[a], end[a], steps[a], shape[a], bool(masks["begin_mask"] >> a & 1),
                                                bool(masks["end_mask"] >> a & 1),
                                                bool(masks["shrink_axis_mask"] >> a & 1)) for a in range(rank)]
        out_shape = [d for a, d in enumerate(dims) if not masks["shrink_axis_mask"] >> a & 1]
        if out_shape and all(d > 0 for d in dims) and prepared == dims:
            break
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    y = act_tensor(b, rng, out_shape, dtype, b.tensors[x].quant)
    b.op("STRIDED_SLICE", (x, _int32_const(b, begin), _int32_const(b, end), _int32_const(b, steps)), (y,),
         {**masks, "ellipsis_mask": 0, "new_axis_mask": 0, "offset": offset})
    return b.graph((x,), (y,))


def transpose(rng, dtype: str) -> Graph:
    shape = _random_shape(rng, 1, 5, 4)
    perm = [int(p) for p in rng.permutation(len(shape))]
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    y = act_tensor(b, rng, [shape[p] for p in perm], dtype, b.tensors[x].quant)
    b.op("TRANSPOSE", (x, _int32_const(b, perm)), (y,))
    return b.graph((x,), (y,))


def space_to_depth(rng, dtype: str) -> Graph:
    bs = int(rng.integers(1, 4))
    n, h, w, c = int(rng.integers(1, 3)), bs * int(rng.integers(1, 4)), bs * int(rng.integers(1, 4)), int(rng.integers(1, 4))
    b = GraphBuilder()
    x = act_tensor(b, rng, (n, h, w, c), dtype)
    y = act_tensor(b, rng, (n, h // bs, w // bs, c * bs * bs), dtype, b.tensors[x].quant)
    b.op("SPACE_TO_DEPTH", (x,), (y,), {"block_size": bs})
    return b.graph((x,), (y,))


def depth_to_space(rng, dtype: str) -> Graph:
    bs = int(rng.integers(1, 4))
    n, h, w, c = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    b = GraphBuilder()
    x = act_tensor(b, rng, (n, h, w, c * bs * bs), dtype)
    y = act_tensor(b, rng, (n, h * bs, w * bs, c), dtype, b.tensors[x].quant)
    b.op("DEPTH_TO_SPACE", (x,), (y,), {"block_size": bs})
    return b.graph((x,), (y,))


def _split_axis(rng, shape) -> int:
    return int(rng.integers(-len(shape), len(shape)))


def split(rng, dtype: str) -> Graph:
    shape = list(_random_shape(rng, 1, 4))
    axis = _split_axis(rng, shape)
    n = int(rng.integers(1, 4))
    shape[axis] *= n
    b = GraphBuilder()
    a = b.tensor((1,), "int32", data=np.asarray([axis], dtype=np.int32))
    x = act_tensor(b, rng, shape, dtype)
    part = list(shape)
    part[axis] //= n
    ys = [act_tensor(b, rng, part, dtype, b.tensors[x].quant) for _ in range(n)]
    b.op("SPLIT", (a, x), ys, {"num_splits": n})
    return b.graph((x,), ys)


def split_v(rng, dtype: str) -> Graph:
    shape = list(_random_shape(rng, 1, 4))
    axis = _split_axis(rng, shape)
    sizes = [int(rng.integers(1, 4)) for _ in range(int(rng.integers(1, 4)))]
    shape[axis] = sum(sizes)
    stored = list(sizes)
    if rng.random() < 0.4:
        stored[int(rng.integers(0, len(sizes)))] = -1  # one size inferred from the rest
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    ys = []
    for size in sizes:
        part = list(shape)
        part[axis] = size
        ys.append(act_tensor(b, rng, part, dtype, b.tensors[x].quant))
    b.op("SPLIT_V", (x, _int32_const(b, stored), b.tensor((1,), "int32", data=np.asarray([axis], dtype=np.int32))),
         ys, {"num_splits": len(sizes)})
    return b.graph((x,), ys)


def unpack(rng, dtype: str) -> Graph:
    shape = list(_random_shape(rng, 2, 4))
    axis = _split_axis(rng, shape)
    n = shape[axis]
    part = shape[:axis % len(shape)] + shape[axis % len(shape) + 1:]
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    ys = [act_tensor(b, rng, part, dtype, b.tensors[x].quant) for _ in range(n)]
    b.op("UNPACK", (x,), ys, {"num": n, "axis": axis})
    return b.graph((x,), ys)


def pack(rng, dtype: str) -> Graph:
    shape = list(_random_shape(rng, 1, 4))
    n = int(rng.integers(1, 4))
    axis = int(rng.integers(-len(shape) - 1, len(shape) + 1))
    position = axis + len(shape) + 1 if axis < 0 else axis
    quant = {INT8: qparams, INT16: qparams16}[dtype](rng) if dtype in (INT8, INT16) else None
    b = GraphBuilder()
    xs = [act_tensor(b, rng, shape, dtype, quant) for _ in range(n)]
    y = act_tensor(b, rng, shape[:position] + [n] + shape[position:], dtype, quant)
    b.op("PACK", xs, (y,), {"values_count": n, "axis": axis})
    return b.graph(xs, (y,))


def gather(rng, dtype: str) -> Graph:
    shape = _random_shape(rng, 1, 4, 5)
    rank = len(shape)
    axis = int(rng.integers(0, rank))
    batch_dims = int(rng.integers(0, axis + 1)) if rng.random() < 0.3 else 0
    pos_shape = shape[:batch_dims] + _random_shape(rng, 0 if batch_dims else 1, 2, 3)
    positions = rng.integers(0, shape[axis], size=pos_shape).astype(np.int32)
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    p = b.tensor(pos_shape, "int32", data=positions)
    y = act_tensor(b, rng, shape[:axis] + pos_shape[batch_dims:] + shape[axis + 1:], dtype, b.tensors[x].quant)
    stored_axis = axis - rank if rng.random() < 0.3 else axis
    b.op("GATHER", (x, p), (y,), {"axis": stored_axis, "batch_dims": batch_dims})
    return b.graph((x,), (y,))


def shape(rng, dtype: str) -> Graph:
    dims = _random_shape(rng, 1, 5)
    b = GraphBuilder()
    x = act_tensor(b, rng, dims, dtype)
    y = b.tensor((len(dims),), "int32")
    b.op("SHAPE", (x,), (y,))
    return b.graph((x,), (y,))


def _resize(name: str, rng, dtype: str) -> Graph:
    n, h, w, c = (int(rng.integers(1, 3)), int(rng.integers(1, 7)), int(rng.integers(1, 7)), int(rng.integers(1, 4)))
    out_h, out_w = int(rng.integers(1, 13)), int(rng.integers(1, 13))
    mode = int(rng.integers(0, 3))  # plain, align_corners, half_pixel_centers
    b = GraphBuilder()
    x = act_tensor(b, rng, (n, h, w, c), dtype)
    y = act_tensor(b, rng, (n, out_h, out_w, c), dtype, b.tensors[x].quant)
    b.op(name, (x, _int32_const(b, [out_h, out_w])), (y,),
         {"align_corners": mode == 1, "half_pixel_centers": mode == 2})
    return b.graph((x,), (y,))


def resize_bilinear(rng, dtype: str) -> Graph:
    return _resize("RESIZE_BILINEAR", rng, dtype)


def resize_nearest_neighbor(rng, dtype: str) -> Graph:
    return _resize("RESIZE_NEAREST_NEIGHBOR", rng, dtype)


def _space_batch(rng, padded: bool = True):
    three_d = rng.random() < 0.3
    block = [int(rng.integers(1, 4))] + ([] if three_d else [int(rng.integers(1, 4))])
    pads = [[int(rng.integers(0, 3)), int(rng.integers(0, 3))] if padded else [0, 0] for _ in block]
    return three_d, block, pads


def space_to_batch_nd(rng, dtype: str, padded: bool = False) -> Graph:
    """Unpadded by default: TFLM leaves the padding's value undefined (see ops/space_batch_nd.py)."""
    three_d, block, pads = _space_batch(rng, padded)
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    spatial = []
    for bs, (p0, p1) in zip(block, pads):
        spatial.append(bs * int(rng.integers(1, 4)) - p0 - p1)
        if spatial[-1] < 1:
            spatial[-1] += bs * ((1 - spatial[-1] + bs - 1) // bs)
    b = GraphBuilder()
    x = act_tensor(b, rng, (n, *spatial, c), dtype)
    out = [n * int(np.prod(block))] + [(d + sum(p)) // bs for d, p, bs in zip(spatial, pads, block)] + [c]
    y = act_tensor(b, rng, out, dtype, b.tensors[x].quant)
    b.op("SPACE_TO_BATCH_ND", (x, _int32_const(b, block),
                               b.tensor((len(block), 2), "int32", data=np.asarray(pads, dtype=np.int32))), (y,))
    return b.graph((x,), (y,))


def batch_to_space_nd(rng, dtype: str) -> Graph:
    three_d, block, crops = _space_batch(rng)
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    batched = []
    for bs, (c0, c1) in zip(block, crops):
        d = int(rng.integers(1, 4))
        while d * bs - c0 - c1 < 1:
            d += 1
        batched.append(d)
    b = GraphBuilder()
    x = act_tensor(b, rng, (n * int(np.prod(block)), *batched, c), dtype)
    out = [n] + [d * bs - sum(cr) for d, bs, cr in zip(batched, block, crops)] + [c]
    y = act_tensor(b, rng, out, dtype, b.tensors[x].quant)
    b.op("BATCH_TO_SPACE_ND", (x, _int32_const(b, block),
                               b.tensor((len(block), 2), "int32", data=np.asarray(crops, dtype=np.int32))), (y,))
    return b.graph((x,), (y,))


def batch_matmul(rng, dtype: str) -> Graph:
    """Ranks 2..4 with broadcast batch dims, adj_x / adj_y, the right operand constant sometimes;
    quantized outputs scaled near the products' spread (some saturate)."""
    batch = list(_random_shape(rng, 0, 2, 3))
    m, n, k = (int(rng.integers(1, 6)) for _ in range(3))
    adj_x, adj_y = bool(rng.random() < 0.4), bool(rng.random() < 0.4)
    lhs_batch = [d if rng.random() < 0.7 else 1 for d in batch][int(rng.integers(0, len(batch) + 1)):]
    rhs_batch = [d if rng.random() < 0.7 else 1 for d in batch][int(rng.integers(0, len(batch) + 1)):]
    lhs_shape = lhs_batch + ([k, m] if adj_x else [m, k])
    rhs_shape = rhs_batch + ([n, k] if adj_y else [k, n])
    rank = max(len(lhs_shape), len(rhs_shape))
    pad_l, pad_r = [1] * (rank - len(lhs_shape)) + lhs_shape, [1] * (rank - len(rhs_shape)) + rhs_shape
    out_shape = [max(a, b) for a, b in zip(pad_l[:-2], pad_r[:-2])] + [m, n]
    b = GraphBuilder()
    lhs = act_tensor(b, rng, lhs_shape, dtype)
    constant_rhs = rng.random() < 0.3
    if constant_rhs:
        info = np.iinfo(dtype) if dtype != FLOAT32 else None
        data = rng.uniform(-1, 1, rhs_shape).astype(np.float32) if info is None else \
            rng.integers(info.min, info.max + 1, size=rhs_shape).astype(dtype)
        quant = None if dtype == FLOAT32 else (qparams(rng) if dtype == INT8 else qparams16(rng))
        rhs = b.tensor(rhs_shape, dtype, quant, data=data)
    else:
        rhs = act_tensor(b, rng, rhs_shape, dtype)
    out_q = None
    if dtype != FLOAT32:
        spread = b.tensors[lhs].quant.scale[0] * b.tensors[rhs].quant.scale[0] * math.sqrt(k) * \
            (64 * 64 / 128 if dtype == INT8 else 16384 * 16384 / 32768)
        scale = float(np.float32(spread * math.exp(rng.uniform(-1.5, 1.0))))
        zero = int(rng.integers(-128, 128)) if dtype == INT8 else 0
        out_q = Quantization(scale=(scale,), zero_point=(zero,))
    y = act_tensor(b, rng, out_shape, dtype, out_q)
    b.op("BATCH_MATMUL", (lhs, rhs), (y,), {"adj_x": adj_x, "adj_y": adj_y, "asymmetric_quantize_inputs": False})
    return b.graph((lhs,) if constant_rhs else (lhs, rhs), (y,))


def transpose_conv(rng, dtype: str, activation: str | None = None) -> Graph:
    """Output size, filter, stride and padding at random (input size = the convolution of the output
    back); per-channel or per-tensor int8 weights, bias present or not (int64 or int16 for 16x8)."""
    while True:
        k_h, k_w = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        stride = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        padding = str(rng.choice(["SAME", "VALID"]))
        out_h, out_w = int(rng.integers(1, 9)), int(rng.integers(1, 9))
        in_h, in_w = _window_out(padding, out_h, k_h, stride[0], 1), _window_out(padding, out_w, k_w, stride[1], 1)
        if in_h > 0 and in_w > 0:
            break
    batch, in_c, out_c = int(rng.integers(1, 3)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
    b = GraphBuilder()
    shape = _int32_const(b, [batch, out_h, out_w, out_c])
    w_data, w_quant = _filter(rng, (out_c, k_h, k_w, in_c), INT8 if dtype == INT16 else dtype, 0, rng.random() < 0.7)
    w = b.tensor(w_data.shape, INT8 if dtype == INT16 else dtype, w_quant, data=w_data)
    x = act_tensor(b, rng, (batch, in_h, in_w, in_c), dtype)
    inputs = [shape, w, x]
    taps = k_h * k_w * in_c
    if rng.random() < 0.7:
        if dtype == INT16:
            bias_dtype = "int64" if rng.random() < 0.7 else INT16
            scales = tuple(float(np.float32(b.tensors[x].quant.scale[0] * s)) for s in
                           (w_quant.scale if len(w_quant.scale) > 1 else w_quant.scale * out_c))
            inputs.append(b.tensor((out_c,), bias_dtype, Quantization(scale=scales, zero_point=(0,) * out_c),
                                   data=rng.integers(-3000, 3000, size=out_c)))
        else:
            inputs.append(_bias(rng, b, dtype, b.tensors[x].quant, w_quant, out_c))
    out_q = None
    if dtype == INT8:
        out_q = _output_quant(rng, b.tensors[x].quant, w_quant, taps)
    elif dtype == INT16:
        spread = b.tensors[x].quant.scale[0] * max(w_quant.scale) * 64 * math.sqrt(taps) / 2
        out_q = Quantization(scale=(float(np.float32(spread * math.exp(rng.uniform(-1.0, 1.0)))),), zero_point=(0,))
    y = act_tensor(b, rng, (batch, out_h, out_w, out_c), dtype, out_q)
    b.op("TRANSPOSE_CONV", inputs, (y,), {"padding": padding, "stride_w": stride[1], "stride_h": stride[0],
                                          "fused_activation_function": activation or _activation(rng)}, version=3)
    return b.graph((x,), (y,))


def svdf(rng, dtype: str) -> Graph:
    """int8 input with int16 time weights and state (dtype "int8"), or float32; the state is a variable
    tensor, so consecutive samples carry it on (TFLM keeps it between invocations too)."""
    batch, input_size, memory = int(rng.integers(1, 3)), int(rng.integers(1, 9)), int(rng.integers(1, 6))
    rank, units = int(rng.integers(1, 3)), int(rng.integers(1, 5))
    filters = rank * units
    b = GraphBuilder()
    x = act_tensor(b, rng, (batch, input_size), dtype)
    if dtype == FLOAT32:
        wf = b.tensor((filters, input_size), FLOAT32, data=rng.uniform(-1, 1, (filters, input_size)).astype(np.float32))
        wt = b.tensor((filters, memory), FLOAT32, data=rng.uniform(-1, 1, (filters, memory)).astype(np.float32))
        bias = b.tensor((units,), FLOAT32, data=rng.uniform(-1, 1, units).astype(np.float32))
        state = b.tensor((batch, memory * filters), FLOAT32)
        y = b.tensor((batch, units), FLOAT32)
    else:
        in_s = b.tensors[x].quant.scale[0]
        wf_s, wt_s = float(np.float32(rng.uniform(0.002, 0.05))), float(np.float32(rng.uniform(1e-5, 1e-4)))
        state_s = float(np.float32(in_s * wf_s * math.sqrt(input_size) * 128 * 64 / 8000 * math.exp(rng.uniform(-1, 1))))
        out_s = float(np.float32(state_s * wt_s * math.sqrt(memory * rank) * 8000 * 3000 / 64 * math.exp(rng.uniform(-1, 1))))
        wf = b.tensor((filters, input_size), INT8, Quantization(scale=(wf_s,), zero_point=(0,)),
                      data=rng.integers(-127, 128, (filters, input_size)))
        wt = b.tensor((filters, memory), INT16, Quantization(scale=(wt_s,), zero_point=(0,)),
                      data=rng.integers(-3000, 3001, (filters, memory)))
        bias = b.tensor((units,), "int32", Quantization(scale=(float(np.float32(np.float32(state_s) * np.float32(wt_s))),),
                                                         zero_point=(0,)), data=rng.integers(-20000, 20000, units))
        state = b.tensor((batch, memory * filters), INT16, Quantization(scale=(state_s,), zero_point=(0,)))
        y = b.tensor((batch, units), INT8, Quantization(scale=(out_s,), zero_point=(int(rng.integers(-128, 128)),)))
    b.tensors[state].is_variable = True
    b.op("SVDF", (x, wf, wt, bias, state), (y,), {"rank": rank, "fused_activation_function": _activation(rng)})
    return b.graph((x,), (y,))


def unidirectional_sequence_lstm(rng, dtype: str) -> Graph:
    """TFLM's general LSTM in float32, int8 (int32 biases, int16 cell state) or 16x8 (int16
    activations, int64 biases); batch- or time-major, cell clipping sometimes; hidden and cell state
    are variable tensors carried from sample to sample (an int8 hidden state starts at its zero
    point, as TFLM resets it); proj_clip set sometimes (TFLM ignores it: there is no
    projection). Integer cell scales are powers of two or not (TFLM rounds to one)."""
    batches, steps, input_size, units = (int(rng.integers(1, 3)), int(rng.integers(1, 5)),
                                         int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    time_major = bool(rng.random() < 0.3)
    b = GraphBuilder()
    x_shape = (steps, batches, input_size) if time_major else (batches, steps, input_size)
    y_shape = (steps, batches, units) if time_major else (batches, steps, units)
    if dtype == FLOAT32:
        x = b.tensor(x_shape, FLOAT32)

        def weight(shape):
            return b.tensor(shape, FLOAT32, data=rng.uniform(-1, 1, shape).astype(np.float32))

        weights = [weight((units, input_size)) for _ in range(4)]
        recurrent = [weight((units, units)) for _ in range(4)]
        biases = [weight((units,)) for _ in range(4)]
        hidden, cell, y = b.tensor((batches, units), FLOAT32), b.tensor((batches, units), FLOAT32), b.tensor(y_shape, FLOAT32)
    else:
        bias_type = "int32" if dtype == INT8 else "int64"
        x_quant = qparams(rng, 0.005, 0.1) if dtype == INT8 else qparams16(rng, 1e-4, 5e-4)
        hidden_quant = qparams(rng, 0.003, 0.02) if dtype == INT8 else qparams16(rng, 2e-5, 1e-4)
        x = b.tensor(x_shape, dtype, x_quant)

        def weight(shape, in_scale):
            scale = float(np.float32(math.exp(rng.uniform(math.log(0.002), math.log(0.03)))))
            w = b.tensor(shape, INT8, Quantization(scale=(scale,), zero_point=(0,)),
                         data=rng.integers(-127, 128, shape).astype(np.int8))
            return w, float(np.float32(in_scale) * np.float32(scale))

        pairs = [weight((units, input_size), x_quant.scale[0]) for _ in range(4)]
        weights = [w for w, _ in pairs]
        recurrent = [weight((units, units), hidden_quant.scale[0])[0] for _ in range(4)]
        biases = [b.tensor((units,), bias_type, Quantization(scale=(s,), zero_point=(0,)),
                           data=np.round(rng.uniform(-2, 2, units) / s).astype(bias_type)) for _, s in pairs]
        cell_scale = 2.0 ** -int(rng.integers(9, 16)) * float(rng.choice([1.0, 1.0, 1.3]))
        hidden = b.tensor((batches, units), dtype, hidden_quant)
        cell = b.tensor((batches, units), INT16, Quantization(scale=(cell_scale,), zero_point=(0,)))
        y = b.tensor(y_shape, dtype, hidden_quant)
    b.tensors[hidden].is_variable = b.tensors[cell].is_variable = True
    inputs = [x, *weights, *recurrent, -1, -1, -1, *biases, -1, -1, hidden, cell, -1, -1, -1, -1]
    b.op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, (y,), {
        "fused_activation_function": "TANH",
        "cell_clip": float(rng.choice([0.0, 0.0, 0.8, 3.0])), "proj_clip": float(rng.choice([0.0, 2.0])),
        "time_major": time_major, "asymmetric_quantize_inputs": False})
    return b.graph((x,), (y,))


# ---------------------------------------------------------------- quantization

def quantize(rng, dtype: str) -> Graph:
    """dtype float32: float32 -> int8; dtype int8: int8 -> int8 requantization."""
    shape = _random_shape(rng)
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    y = act_tensor(b, rng, shape, INT8, qparams(rng, 0.005, 0.5))
    b.op("QUANTIZE", (x,), (y,))
    return b.graph((x,), (y,))


def dequantize(rng, dtype: str) -> Graph:
    """int8 -> float32 (dtype names the input)."""
    shape = _random_shape(rng)
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, INT8)
    y = b.tensor(shape, FLOAT32)
    b.op("DEQUANTIZE", (x,), (y,))
    return b.graph((x,), (y,))


# ---------------------------------------------------------------- elementwise unary

def _unary(name: str, rng, dtype: str, out_quant: Quantization | None = None, options=None,
           same_quant: bool = False) -> Graph:
    shape = _random_shape(rng)
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    y = act_tensor(b, rng, shape, dtype, b.tensors[x].quant if same_quant else out_quant)
    b.op(name, (x,), (y,), options)
    return b.graph((x,), (y,))


def softmax(rng, dtype: str) -> Graph:
    out_q = Quantization(scale=(1 / 256,), zero_point=(-128,))
    return _unary("SOFTMAX", rng, dtype, out_q, {"beta": float(np.float32(rng.uniform(0.5, 2.0)))})


def logistic(rng, dtype: str) -> Graph:
    return _unary("LOGISTIC", rng, dtype, Quantization(scale=(1 / 256,), zero_point=(-128,)))


def tanh(rng, dtype: str) -> Graph:
    return _unary("TANH", rng, dtype, Quantization(scale=(1 / 128,), zero_point=(0,)))


def relu(rng, dtype: str) -> Graph:
    return _unary("RELU", rng, dtype, same_quant=rng.random() < 0.3)


def relu6(rng, dtype: str) -> Graph:
    return _unary("RELU6", rng, dtype, same_quant=True)


def leaky_relu(rng, dtype: str) -> Graph:
    alpha = float(np.float32(rng.uniform(0.01, 0.5)))
    return _unary("LEAKY_RELU", rng, dtype, options={"alpha": alpha})


def hard_swish(rng, dtype: str) -> Graph:
    return _unary("HARD_SWISH", rng, dtype)


# ---------------------------------------------------------------- arithmetic (issue 12)

def sub(rng, dtype: str) -> Graph:
    return _binary("SUB", rng, dtype)


def maximum(rng, dtype: str) -> Graph:
    return _binary("MAXIMUM", rng, dtype)


def minimum(rng, dtype: str) -> Graph:
    return _binary("MINIMUM", rng, dtype)


def squared_difference(rng, dtype: str) -> Graph:
    return _binary("SQUARED_DIFFERENCE", rng, dtype)  # ranks up to 4: TFLM's broadcast limit


def div(rng, dtype: str) -> Graph:
    """The divisor a constant (as converted models have it) that never sits on its zero point
    (TFLM leaves division by zero undefined)."""
    a_shape, b_shape, out_shape = _broadcast_shapes(rng)
    b = GraphBuilder()
    x1 = act_tensor(b, rng, a_shape, dtype)
    quant = qparams(rng) if dtype == INT8 else None
    if dtype == INT8:
        data = rng.integers(-128, 128, size=b_shape)
        data[data == quant.zero_point[0]] += 1 if quant.zero_point[0] < 127 else -1
    else:
        data = rng.uniform(0.2, 3, size=b_shape) * rng.choice([-1, 1], size=b_shape)
    x2 = b.tensor(b_shape, dtype, quant, data=data)
    out_q = qparams(rng, 0.01, 0.5) if dtype == INT8 else None
    y = act_tensor(b, rng, out_shape, dtype, out_q)
    b.op("DIV", (x1, x2), (y,), {"fused_activation_function": _activation(rng)})
    return b.graph((x1,), (y,))


def prelu(rng, dtype: str) -> Graph:
    """alpha broadcast against the input (Keras shares it over all but the channel axis), a
    constant half of the time (as converted models have it)."""
    shape = _random_shape(rng, 1, 4)
    alpha_shape = tuple(d if rng.random() < 0.5 else 1 for d in shape)[int(rng.integers(0, len(shape))):] or (1,)
    alpha_dtype = INT8 if dtype == INT16 else dtype
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    if rng.random() < 0.5:
        data = (rng.uniform(-1, 1, alpha_shape) if alpha_dtype == FLOAT32
                else rng.integers(-128, 128, alpha_shape))
        alpha = b.tensor(alpha_shape, alpha_dtype, qparams(rng, 0.002, 0.02) if alpha_dtype == INT8 else None,
                         data=data)
    else:
        alpha = act_tensor(b, rng, alpha_shape, alpha_dtype)
    y = act_tensor(b, rng, shape, dtype)
    b.op("PRELU", (x, alpha), (y,))
    inputs = (x,) if b.tensors[alpha].data is not None else (x, alpha)
    return b.graph(inputs, (y,))


def elu(rng, dtype: str) -> Graph:
    return _unary("ELU", rng, dtype)


def abs_(rng, dtype: str) -> Graph:
    return _unary("ABS", rng, dtype, same_quant=rng.random() < 0.3)


def rsqrt(rng, dtype: str) -> Graph:
    """int8 input zero point -128: TFLM stops on inputs below the zero point."""
    quant = Quantization(scale=qparams(rng).scale, zero_point=(-128,)) if dtype == INT8 else None
    shape = _random_shape(rng)
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype, quant)
    y = act_tensor(b, rng, shape, dtype, qparams(rng, 0.01, 0.5) if dtype == INT8 else None)
    b.op("RSQRT", (x,), (y,))
    return b.graph((x,), (y,))


def _table_activation_int16(name: str):
    """int16 LOGISTIC / TANH: output scale 2^-15 as TFLM requires; input scales a power of two
    (TFLM's shortcut) a third of the time."""
    def make(rng, dtype: str) -> Graph:
        in_q = Quantization(scale=(2.0 ** -int(rng.integers(10, 14)),), zero_point=(0,)) \
            if rng.random() < 0.3 else qparams16(rng, 5e-5, 2e-3)
        shape = _random_shape(rng)
        b = GraphBuilder()
        x = act_tensor(b, rng, shape, dtype, in_q)
        y = act_tensor(b, rng, shape, dtype, Quantization(scale=(2.0 ** -15,), zero_point=(0,)))
        b.op(name, (x,), (y,))
        return b.graph((x,), (y,))
    return make


def reduce_max(rng, dtype: str) -> Graph:
    return _reduction("REDUCE_MAX", rng, dtype, same_quant=True)  # TFLM: int8 needs one quantization


def reduce_min(rng, dtype: str) -> Graph:
    return _reduction("REDUCE_MIN", rng, dtype, same_quant=True)


def sum_(rng, dtype: str) -> Graph:
    return _reduction("SUM", rng, dtype)


def log_softmax(rng, dtype: str) -> Graph:
    return _unary("LOG_SOFTMAX", rng, dtype, Quantization(scale=(16 / 256,), zero_point=(127,)))


def _arg_min_max(name: str):
    """int32 indices along one constant axis (negative a third of the time); float inputs with
    repeated values so ties (first one wins) occur."""
    def make(rng, dtype: str) -> Graph:
        shape = _random_shape(rng, 1, 4, 5)
        axis = int(rng.integers(0, len(shape)))
        b = GraphBuilder()
        x = act_tensor(b, rng, shape, dtype)
        a = b.tensor((1,), "int32", data=np.asarray([axis - len(shape) if rng.random() < 0.3 else axis], dtype=np.int32))
        out_shape = [d for i, d in enumerate(shape) if i != axis] or [1]
        y = b.tensor(out_shape, "int32")
        b.op(name, (x, a), (y,), {"output_type": 2})
        return b.graph((x,), (y,))
    return make


def l2_normalization(rng, dtype: str) -> Graph:
    """Ranks up to 4 (TFLM's limit); int8 output 1/128 with zero point 0 (TFLM requires it)."""
    shape = _random_shape(rng, 1, 4, 6)
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    y = act_tensor(b, rng, shape, dtype, Quantization(scale=(1 / 128,), zero_point=(0,)))
    b.op("L2_NORMALIZATION", (x,), (y,))
    return b.graph((x,), (y,))


def _float_unary(name: str):
    return lambda rng, dtype: _unary(name, rng, dtype)


MATH_MAKERS: dict[str, Callable[[np.random.Generator, str], Graph]] = {
    "SUB": sub, "MAXIMUM": maximum, "MINIMUM": minimum, "PRELU": prelu, "ELU": elu, "ABS": abs_,
    "RSQRT": rsqrt, **{op: _float_unary(op) for op in ("NEG", "SQRT", "EXP", "LOG", "FLOOR")},
    "LOGISTIC": _table_activation_int16("LOGISTIC"), "TANH": _table_activation_int16("TANH"),
    "REDUCE_MAX": reduce_max, "REDUCE_MIN": reduce_min, "SUM": sum_, "LOG_SOFTMAX": log_softmax,
    "ARG_MAX": _arg_min_max("ARG_MAX"), "ARG_MIN": _arg_min_max("ARG_MIN"), "SQUARED_DIFFERENCE": squared_difference,
    "DIV": div, "L2_NORMALIZATION": l2_normalization,
}
# (operator, dtype) pairs TFLM runs, as its kernels accept them.
MATH_CASES = [(op, dtype) for op, dtypes in (
    ("SUB", (INT8, INT16, FLOAT32, "int32")), ("MAXIMUM", (INT8, INT16, FLOAT32, "int32")),
    ("MINIMUM", (INT8, INT16, FLOAT32, "int32")), ("PRELU", (INT8, INT16, FLOAT32)), ("ELU", (INT8, FLOAT32)),
    ("ABS", (INT8, INT16, FLOAT32)), ("RSQRT", (INT8, FLOAT32)), ("NEG", (FLOAT32,)), ("SQRT", (FLOAT32,)),
    ("EXP", (FLOAT32,)), ("LOG", (FLOAT32,)), ("FLOOR", (FLOAT32,)), ("LOGISTIC", (INT16,)), ("TANH", (INT16,)),
    ("REDUCE_MAX", (INT8, FLOAT32)), ("REDUCE_MIN", (INT8, FLOAT32)), ("SUM", (INT8, INT16, FLOAT32)),
    ("LOG_SOFTMAX", (INT8, FLOAT32)), ("ARG_MAX", (INT8, FLOAT32)), ("ARG_MIN", (INT8, FLOAT32)),
    ("SQUARED_DIFFERENCE", (INT8, INT16, FLOAT32, "int32")), ("DIV", (INT8, FLOAT32)),
    ("L2_NORMALIZATION", (INT8, FLOAT32)))
    for dtype in dtypes]


MODEL_MAKERS: dict[str, Callable[[np.random.Generator, str], Graph]] = {
    "CONV_2D": conv_2d, "DEPTHWISE_CONV_2D": depthwise_conv_2d, "FULLY_CONNECTED": fully_connected,
    "AVERAGE_POOL_2D": average_pool_2d, "MAX_POOL_2D": max_pool_2d, "ADD": add, "MUL": mul,
    "SOFTMAX": softmax, "RESHAPE": reshape, "SQUEEZE": squeeze, "QUANTIZE": quantize,
    "DEQUANTIZE": dequantize, "CONCATENATION": concatenation, "PAD": pad, "PADV2": padv2, "MEAN": mean,
    "LOGISTIC": logistic, "TANH": tanh, "RELU": relu, "RELU6": relu6, "LEAKY_RELU": leaky_relu,
    "HARD_SWISH": hard_swish,
}
# Operators that move elements without arithmetic, each in every element type TFLM copies.
SHAPE_MAKERS: dict[str, Callable[[np.random.Generator, str], Graph]] = {
    "EXPAND_DIMS": expand_dims, "SLICE": slice_, "STRIDED_SLICE": strided_slice, "TRANSPOSE": transpose,
    "SPACE_TO_DEPTH": space_to_depth, "DEPTH_TO_SPACE": depth_to_space, "SPLIT": split, "SPLIT_V": split_v,
    "UNPACK": unpack, "PACK": pack, "GATHER": gather, "SHAPE": shape, "RESIZE_BILINEAR": resize_bilinear,
    "RESIZE_NEAREST_NEIGHBOR": resize_nearest_neighbor, "SPACE_TO_BATCH_ND": space_to_batch_nd,
    "BATCH_TO_SPACE_ND": batch_to_space_nd,
}
# Products of two operands beyond convolution: quantized in int8 and int16 (16x8), and float32.
PRODUCT_MAKERS: dict[str, Callable[[np.random.Generator, str], Graph]] = {
    "BATCH_MATMUL": batch_matmul, "TRANSPOSE_CONV": transpose_conv, "SVDF": svdf,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": unidirectional_sequence_lstm,
}
# (operator, dtype) pairs TFLM runs: DEQUANTIZE always reads int8; QUANTIZE reads either.
CASES = [(op, dtype) for op in MODEL_MAKERS for dtype in (INT8, FLOAT32) if not (op == "DEQUANTIZE" and dtype == FLOAT32)]
# int16 (16x8) activations where the makers and the code generator both take them.
INT16_OPS = ("MAX_POOL_2D", "MUL", "MEAN", "RELU", "RELU6", "LEAKY_RELU", "PAD", "PADV2", "CONCATENATION",
             "QUANTIZE", "RESHAPE", "SQUEEZE")
CASES += [(op, INT16) for op in INT16_OPS]
