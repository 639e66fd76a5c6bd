"""The operator registry: one module per operator, each exporting KERNELS (rows of the kernel table).

Adding an operator = its C file(s) + header in toolchain/runtime/kernels/, one module here, and its
name on one line below. A faster kernel for one CPU = one C file in kernels/<cpu>/ + one row with cpu=.
"""
from importlib import import_module

_MODULE_NAMES = (
    "add",
    "average_pool_2d",
    "conv_2d",
    "depthwise_conv_2d",
    "armv7em_dsp",
    "fully_connected",
    "max_pool_2d",
    "mul",
    "quantize",
    "concatenation",
    "pad",
    "mean",
    "logistic",
    "tanh",
    "relu",
    "leaky_relu",
    "hard_swish",
    "reshape",
    "slicing",
    "gather",
    "shape",
    "resize",
    "space_batch_nd",
    "batch_matmul",
    "transpose_conv",
    "svdf",
    "lstm",
    "softmax",
    "sub",
    "maximum_minimum",
    "prelu",
    "elementwise",
    "elu",
    "reduce",
    "log_softmax",
    "arg_min_max",
    "squared_difference",
    "div",
    "l2_normalization",
    "tile",
    "gelu",
)

OP_MODULES = tuple(import_module(f"{__name__}.{name}") for name in _MODULE_NAMES)
