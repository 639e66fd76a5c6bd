"""SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (float32, int8 as TFLM; 4-D NHWC or 3-D NHC inputs,
constant block shape and paddings/crops). SPACE_TO_BATCH pads with the output zero point (0.0f for
float32) as TFLite's kernel does: TFLM's kernel never sets the pad value in its parameters, so its
padding holds whatever its arena held (measured: it varies between models); every other element
is TFLM's."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import ConstArray, Kernel, KernelCall
from toolchain.codegen.ops._common import constant_input
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator, Tensor


def _as_4d(t: Tensor) -> tuple[int, int, int, int]:
    return (t.shape[0], t.shape[1], 1, t.shape[2]) if len(t.shape) == 3 else tuple(t.shape)


def build(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    block = [int(v) for v in constant_input(graph, op, 1, "block shape").data.reshape(-1)]
    pads = constant_input(graph, op, 2, "paddings" if op.op == "SPACE_TO_BATCH_ND" else "crops").data
    pads = [int(v) for v in np.asarray(pads).reshape(-1)]
    rank = len(inp.shape)
    if rank not in (3, 4) or len(block) != rank - 2 or len(pads) != 2 * len(block) or min(block) < 1 \
            or min(pads) < 0 or len(out.shape) != rank:
        raise UnsupportedError(f"operator {op.index} {op.op}: block {block} / paddings {pads} do not fit "
                               f"{inp.describe()} (3-D or 4-D inputs, as TFLM)")
    if rank == 3:
        block, pads = block + [1], pads + [0, 0]
    to_batch = op.op == "SPACE_TO_BATCH_ND"
    spatial, batched = (_as_4d(inp), _as_4d(out)) if to_batch else (_as_4d(out), _as_4d(inp))
    b, h, w, c = spatial
    want_batched = (b * block[0] * block[1], (h + pads[0] + pads[1]) // block[0] if to_batch else batched[1],
                    (w + pads[2] + pads[3]) // block[1] if to_batch else batched[2], c)
    consistent = batched == want_batched and (
        (h + pads[0] + pads[1]) % block[0] == 0 and (w + pads[2] + pads[3]) % block[1] == 0 if to_batch
        else (batched[1] * block[0] - pads[0] - pads[1], batched[2] * block[1] - pads[2] - pads[3]) == (h, w))
    if not consistent:
        raise UnsupportedError(f"operator {op.index} {op.op}: {inp.describe()} -> {out.describe()} does not match "
                               f"block {block[:rank - 2]} and paddings {pads[:2 * (rank - 2)]}")
    zero = out.quant.zero_point[0] if (out.quant is not None and out.dtype != "float32") else 0
    return KernelCall(params={
        "block_h": block[0], "block_w": block[1], "batch": b, "height": h, "width": w,
        "batched_h": batched[1], "batched_w": batched[2], "pad_top": pads[0], "pad_left": pads[2],
        "channels": c, "elem_bytes": out.nbytes // max(out.num_elements, 1),
        "pad_value": ConstArray("pad_value", out.dtype, np.asarray([zero], dtype=out.dtype))},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op=name, types=tuple(f"{t},int32,int32->{t}" for t in ("int8", "float32")),
           function=function, c_file=f"kernels/{name.lower()}.c", header="kernels/space_batch_nd.h",
           build=build, runtime=())
    for name, function in (("SPACE_TO_BATCH_ND", "tl_space_to_batch_nd"),
                           ("BATCH_TO_SPACE_ND", "tl_batch_to_space_nd"))
]
