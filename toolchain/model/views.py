"""Operators that only pick elements of their first input: each output as a strided view of it.

A `View` says which input elements an output holds, in output order: element (i0, i1, ...) of the
output is input element `offset + sum(ik * strides[k])` (flat index, in elements). SLICE,
STRIDED_SLICE (TFLM's index rules: begin/end/shrink masks, negative strides, offset), SPLIT,
SPLIT_V, UNPACK, TRANSPOSE, SPACE_TO_DEPTH, DEPTH_TO_SPACE and the shape-only operators are
described here once; the memory planner turns contiguous views into shared bytes (no copy) and
the code generator copies the rest.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator, Tensor

SHAPE_ONLY_OPS = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS"})
VIEW_OPS = frozenset({"SLICE", "STRIDED_SLICE", "SPLIT", "SPLIT_V", "UNPACK", "TRANSPOSE",
                      "SPACE_TO_DEPTH", "DEPTH_TO_SPACE"}) | SHAPE_ONLY_OPS


@dataclass(frozen=True)
class View:
    offset: int  # flat input element index of the output's first element
    dims: tuple[int, ...]
    strides: tuple[int, ...]  # input elements per step along each output dim (may be negative)

    @property
    def count(self) -> int:
        return int(np.prod(self.dims, dtype=np.int64)) if self.dims else 1

    def contiguous(self) -> bool:
        """True when the view is one run of consecutive input elements in order (or empty)."""
        if self.count == 0:
            return True
        step = 1
        for d, s in zip(reversed(self.dims), reversed(self.strides)):
            if d != 1 and s != step:
                return False
            step *= d
        return True

    def simplified(self) -> "View":
        """The same elements in the same order with unit dims dropped and mergeable dims merged."""
        dims, strides = [], []
        for d, s in zip(self.dims, self.strides):
            if d == 1:
                continue
            if dims and strides[-1] == s * d:
                dims[-1] *= d
                strides[-1] = s
            else:
                dims.append(d)
                strides.append(s)
        return View(self.offset, tuple(dims), tuple(strides))


def row_major_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, step = [], 1
    for d in reversed(shape):
        strides.append(step)
        step *= d
    return tuple(reversed(strides))


def _fail(op: Operator, why: str) -> UnsupportedError:
    return UnsupportedError(f"operator {op.index} {op.op}: {why}")


def _const_ints(graph: Graph, op: Operator, position: int, what: str) -> list[int]:
    if position >= len(op.inputs) or op.inputs[position] < 0:
        raise _fail(op, f"missing {what}")
    t = graph.tensors[op.inputs[position]]
    if not t.is_constant:
        raise _fail(op, f"{what} must be a constant tensor (TFLM requires it too)")
    return [int(v) for v in np.asarray(t.data).reshape(-1)]


def _axis(op: Operator, axis: int, rank: int) -> int:
    if not -rank <= axis < max(rank, 1):
        raise _fail(op, f"axis {axis} out of range for rank {rank}")
    return axis + rank if axis < 0 else axis


def _require_shape(op: Operator, out: Tensor, want) -> None:
    if tuple(out.shape) != tuple(int(d) for d in want):
        raise _fail(op, f"output {out.describe()} is not the computed shape {list(want)}")


def _check_bytes(op: Operator, inp: Tensor, out: Tensor) -> None:
    if inp.dtype != out.dtype:
        raise _fail(op, f"{inp.describe()} -> {out.describe()} changes the element type")


def _max_rank(op: Operator, inp: Tensor, limit: int) -> int:
    if len(inp.shape) > limit:
        raise _fail(op, f"input {inp.describe()} has more than {limit} dims (TFLM's limit)")
    return len(inp.shape)


def _slice(graph: Graph, op: Operator, inp: Tensor, out: Tensor) -> list[View]:
    rank = _max_rank(op, inp, 5)
    begin = _const_ints(graph, op, 1, "begin")
    size = _const_ints(graph, op, 2, "size")
    if len(begin) != rank or len(size) != rank:
        raise _fail(op, f"begin {begin} / size {size} do not match {inp.describe()}")
    dims = []
    for b, s, d in zip(begin, size, inp.shape):
        s = d - b if s == -1 else s
        if b < 0 or s < 0 or b + s > d:
            raise _fail(op, f"begin {begin} size {size} fall outside {inp.describe()}")
        dims.append(s)
    _require_shape(op, out, dims)
    strides = row_major_strides(inp.shape)
    return [View(sum(b * s for b, s in zip(begin, strides)), tuple(dims), strides)]


def _strided_slice_axis(begin: int, end: int, stride: int, size: int, begin_masked: bool, end_masked: bool,
                        shrink: bool, offset: bool) -> tuple[int, int]:
    """(first index, element count) along one axis, with TFLM's clamping rules at run time."""
    start = begin + size if begin < 0 else begin
    start = min(max(start, 0), size) if stride > 0 else min(max(start, -1), size - 1)
    if begin_masked:
        start = 0 if stride > 0 else size - 1
    if shrink:
        stop = start if start >= size else start + 1
    else:
        stop = end + start if offset else end
        stop = stop + size if stop < 0 else stop
        stop = min(max(stop, 0), size) if stride > 0 else min(max(stop, -1), size - 1)
        if end_masked:
            stop = size if stride > 0 else -1
    count = max(0, math.ceil((stop - start) / stride))
    return start, count


def _strided_slice_prepared_dim(begin: int, end: int, stride: int, size: int, begin_masked: bool,
                                end_masked: bool, shrink: bool) -> int:
    """The output dim TFLM's Prepare requires (its older index rules: masks become the int limits,
    the offset flag is not applied); models whose output differs are rejected by TFLM."""
    def clamp(v: int) -> int:
        return min(max(v, 0), size) if stride > 0 else min(max(v, -1), size - 1)

    if size == 0:
        return 0
    start = (-2**31 if stride > 0 else 2**31 - 1) if begin_masked else begin
    start = clamp(start + size if start < 0 else start)
    if shrink:
        return 1
    stop = (2**31 - 1 if stride > 0 else -2**31) if end_masked else end
    stop = clamp(stop + size if stop < 0 else stop)
    return max(0, math.ceil((stop - start) / stride))


def _strided_slice(graph: Graph, op: Operator, inp: Tensor, out: Tensor) -> list[View]:
    rank = _max_rank(op, inp, 5)
    begin = _const_ints(graph, op, 1, "begin")
    end = _const_ints(graph, op, 2, "end")
    steps = _const_ints(graph, op, 3, "strides")
    if not (len(begin) == len(end) == len(steps) == rank):
        raise _fail(op, f"begin/end/strides lengths {len(begin)}/{len(end)}/{len(steps)} differ from the "
                        f"input rank {rank}")
    if 0 in steps:
        raise _fail(op, "a stride is zero")
    o = op.options
    masks = {k: int(o.get(k, 0) or 0) for k in ("begin_mask", "end_mask", "shrink_axis_mask",
                                                  "ellipsis_mask", "new_axis_mask")}
    if masks["ellipsis_mask"] or masks["new_axis_mask"]:
        # TFLM's kernel zeroes both masks and then requires the output shape it computes without them
        raise _fail(op, "ellipsis_mask/new_axis_mask are not supported (TFLM ignores them and rejects the "
                        "resulting shape)")
    in_strides = row_major_strides(inp.shape)
    offset, dims, strides, out_dims = 0, [], [], []
    for axis in range(rank):
        bit = 1 << axis
        start, count = _strided_slice_axis(begin[axis], end[axis], steps[axis], inp.shape[axis],
                                           bool(masks["begin_mask"] & bit), bool(masks["end_mask"] & bit),
                                           bool(masks["shrink_axis_mask"] & bit), bool(o.get("offset", False)))
        prepared = _strided_slice_prepared_dim(begin[axis], end[axis], steps[axis], inp.shape[axis],
                                               bool(masks["begin_mask"] & bit), bool(masks["end_mask"] & bit),
                                               bool(masks["shrink_axis_mask"] & bit))
        if prepared != count:
            raise _fail(op, f"axis {axis}: TFLM's Prepare expects {prepared} elements but its kernel copies {count} "
                            f"(TFLM rejects or mis-sizes this slice)")
        offset += start * in_strides[axis] if count else 0
        dims.append(count)
        strides.append(steps[axis] * in_strides[axis])
        if not masks["shrink_axis_mask"] & bit:
            out_dims.append(count)
    _require_shape(op, out, out_dims)
    return [View(offset, tuple(dims), tuple(strides))]


def _split_views(op: Operator, inp: Tensor, outs: list[Tensor], axis: int, sizes: list[int],
                 keep_axis: bool) -> list[View]:
    if sum(sizes) != inp.shape[axis] or len(sizes) != len(outs):
        raise _fail(op, f"parts {sizes} do not add up to dimension {axis} of {inp.describe()}")
    in_strides = row_major_strides(inp.shape)
    views, start = [], 0
    for out, size in zip(outs, sizes):
        dims = list(inp.shape)
        dims[axis] = size
        want = dims if keep_axis else dims[:axis] + dims[axis + 1:]
        _require_shape(op, out, want)
        views.append(View(start * in_strides[axis], tuple(dims), in_strides))
        start += size
    return views


def _split(graph: Graph, op: Operator, inp: Tensor, outs: list[Tensor]) -> list[View]:
    axis_position = 0 if op.op == "SPLIT" else 2
    axis_values = _const_ints(graph, op, axis_position, "axis")
    if len(axis_values) != 1:
        raise _fail(op, "the axis must be one value")
    axis = _axis(op, axis_values[0], len(inp.shape))
    if op.op == "SPLIT":
        n = len(outs)
        if inp.shape[axis] % n:
            raise _fail(op, f"dimension {axis} of {inp.describe()} does not split into {n} equal parts")
        sizes = [inp.shape[axis] // n] * n
    else:
        sizes = _const_ints(graph, op, 1, "size_splits")
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = inp.shape[axis] - (sum(sizes) + 1)
    return _split_views(op, inp, outs, axis, sizes, keep_axis=True)


def _unpack(graph: Graph, op: Operator, inp: Tensor, outs: list[Tensor]) -> list[View]:
    axis = _axis(op, int(op.options.get("axis", 0)), len(inp.shape))
    return _split_views(op, inp, outs, axis, [1] * len(outs), keep_axis=False)


def _transpose(graph: Graph, op: Operator, inp: Tensor, out: Tensor) -> list[View]:
    perm = _const_ints(graph, op, 1, "perm")
    rank = _max_rank(op, inp, 5)
    perm = [p + rank if p < 0 else p for p in perm]
    if sorted(perm) != list(range(rank)):
        raise _fail(op, f"perm {perm} is not a permutation of the {rank} input dims")
    in_strides = row_major_strides(inp.shape)
    _require_shape(op, out, [inp.shape[p] for p in perm])
    return [View(0, tuple(inp.shape[p] for p in perm), tuple(in_strides[p] for p in perm))]


def _block(op: Operator, inp: Tensor) -> int:
    block = int(op.options.get("block_size", 0))
    if block < 1 or len(inp.shape) != 4:
        raise _fail(op, f"needs a 4-D NHWC input and block size >= 1, got {inp.describe()}, block {block}")
    return block


def _space_to_depth(graph: Graph, op: Operator, inp: Tensor, out: Tensor) -> list[View]:
    bs = _block(op, inp)
    b, h, w, c = inp.shape
    if h % bs or w % bs:
        raise _fail(op, f"height and width of {inp.describe()} are not multiples of block {bs}")
    _require_shape(op, out, (b, h // bs, w // bs, c * bs * bs))
    # output [b, y, x, (by, bx, c)] reads input [b, y*bs + by, x*bs + bx, c]
    return [View(0, (b, h // bs, w // bs, bs, bs, c), (h * w * c, bs * w * c, bs * c, w * c, c, 1))]


def _depth_to_space(graph: Graph, op: Operator, inp: Tensor, out: Tensor) -> list[View]:
    bs = _block(op, inp)
    b, h, w, c = inp.shape
    if c % (bs * bs):
        raise _fail(op, f"depth of {inp.describe()} is not a multiple of block {bs} squared")
    oc = c // (bs * bs)
    _require_shape(op, out, (b, h * bs, w * bs, oc))
    # output [b, (y, by), (x, bx), c] reads input [b, y, x, (by, bx, c)]
    return [View(0, (b, h, bs, w, bs, oc), (h * w * c, w * c, bs * oc, c, oc, 1))]


def _shape_only(graph: Graph, op: Operator, inp: Tensor, out: Tensor) -> list[View]:
    if inp.nbytes != out.nbytes:
        raise _fail(op, f"{inp.describe()} -> {out.describe()} changes size")
    return [View(0, tuple(out.shape), row_major_strides(out.shape))]


_SINGLE = {"SLICE": _slice, "STRIDED_SLICE": _strided_slice, "TRANSPOSE": _transpose,
           "SPACE_TO_DEPTH": _space_to_depth, "DEPTH_TO_SPACE": _depth_to_space,
           **{name: _shape_only for name in SHAPE_ONLY_OPS}}
_MULTI = {"SPLIT": _split, "SPLIT_V": _split, "UNPACK": _unpack}


def views(graph: Graph, op: Operator) -> list[View]:
    """One View per output of a view operator; UnsupportedError when the operator's constants and
    shapes are not ones TFLM would run."""
    outs = [graph.tensors[i] for i in op.outputs]
    data_position = 1 if op.op == "SPLIT" else 0
    if data_position >= len(op.inputs) or op.inputs[data_position] < 0:
        raise _fail(op, "missing input")
    inp = graph.tensors[op.inputs[data_position]]
    for out in outs:
        _check_bytes(op, inp, out)
    if op.op in _MULTI:
        return _MULTI[op.op](graph, op, inp, outs)
    if op.op in _SINGLE and len(outs) == 1:
        return _SINGLE[op.op](graph, op, inp, outs[0])
    raise _fail(op, "is not a view operator")


def data_input(op: Operator) -> int:
    """The tensor a view operator reads its elements from."""
    return op.inputs[1] if op.op == "SPLIT" else op.inputs[0]


def shared_byte_offsets(graph: Graph, op: Operator) -> tuple[int, ...] | None:
    """For a view operator whose every output is one contiguous run of its input: each output's
    byte offset inside the input (the planner can then give outputs the input's bytes). None for
    other operators, other views, and operators TFLM would reject."""
    if op.op not in VIEW_OPS:
        return None
    try:
        found = views(graph, op)
    except UnsupportedError:
        return None
    if not all(v.contiguous() for v in found):
        return None
    element = graph.tensors[data_input(op)].nbytes // max(graph.tensors[data_input(op)].num_elements, 1)
    return tuple(v.offset * element if v.count else 0 for v in found)
