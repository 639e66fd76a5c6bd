"""Read a .tflite flatbuffer into a Graph, without TensorFlow.

Every count and offset read from the file is checked against the file's size before it is used,
so a truncated or corrupted model fails fast with a ModelError instead of crashing or looping.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import numpy as np

from toolchain.errors import ModelError
from toolchain.model.graph import Graph, Operator, Quantization, Tensor
from toolchain.model import schema

_TENSOR_TYPES = {
    0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 5: "string", 6: "bool",
    7: "int16", 8: "complex64", 9: "int8", 10: "float64", 12: "uint64", 15: "uint32",
    16: "uint16", 17: "int4",
}
_OPERATOR_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
_OPTION_CLASSES = {v: k for k, v in vars(schema.BuiltinOptions).items() if not k.startswith("_")}
_PADDING = {0: "SAME", 1: "VALID"}
_ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH",
                5: "SIGN_BIT", 6: "SIGMOID"}
_ENUM_FIELDS = {"padding": _PADDING, "fused_activation_function": _ACTIVATIONS}
_MAX_RANK = 8
_MAX_ELEMENTS = 1 << 31


def read_model(path: str | Path) -> Graph:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{path}: no such file") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_model(data, name=path.stem, origin=str(path))


def parse_model(data: bytes, name: str = "model", origin: str = "model") -> Graph:
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelError(f"{origin}: not a TensorFlow Lite flatbuffer (no TFL3 identifier)")
    try:
        return _Parser(data, name).graph()
    except ModelError as exc:
        raise ModelError(f"{origin}: {exc}") from None
    except Exception as exc:  # corrupted offsets surface as struct/index/value errors
        raise ModelError(f"{origin}: truncated or corrupted flatbuffer ({type(exc).__name__}: {exc})") from None


class _Parser:
    def __init__(self, data: bytes, name: str):
        self.data = data
        self.size = len(data)
        self.name = name
        self.model = schema.Model.GetRootAs(data, 0)

    def count(self, n: int, what: str, element_bytes: int = 4) -> int:
        if n < 0 or n * element_bytes > self.size:
            raise ModelError(f"{what}: count {n} does not fit in the file ({self.size:,} bytes)")
        return n

    def graph(self) -> Graph:
        model = self.model
        n_subgraphs = self.count(model.SubgraphsLength(), "subgraphs")
        if n_subgraphs < 1:
            raise ModelError("model has no subgraph")
        opcodes = [self.opcode_name(model.OperatorCodes(i))
                   for i in range(self.count(model.OperatorCodesLength(), "operator codes"))]
        buffers = self.count(model.BuffersLength(), "buffers")
        sg = model.Subgraphs(0)
        tensors = [self.tensor(sg.Tensors(i), i, buffers)
                   for i in range(self.count(sg.TensorsLength(), "tensors"))]
        operators = [self.operator(sg.Operators(i), i, opcodes, len(tensors))
                     for i in range(self.count(sg.OperatorsLength(), "operators"))]
        inputs = self.indices(sg.InputsAsNumpy() if sg.InputsLength() else [], len(tensors), "inputs")
        outputs = self.indices(sg.OutputsAsNumpy() if sg.OutputsLength() else [], len(tensors), "outputs")
        if not inputs or not outputs:
            raise ModelError("subgraph 0 declares no inputs or no outputs")
        description = (model.Description() or b"").decode("utf-8", "replace")
        return Graph(tensors=tensors, operators=operators, inputs=tuple(inputs), outputs=tuple(outputs),
                     name=self.name, sha256=hashlib.sha256(self.data).hexdigest(),
                     description=description, subgraph_count=n_subgraphs)

    def opcode_name(self, code) -> str:
        builtin = max(int(code.BuiltinCode()), int(code.DeprecatedBuiltinCode()))
        if builtin == schema.BuiltinOperator.CUSTOM:
            custom = (code.CustomCode() or b"").decode("utf-8", "replace")
            return f"CUSTOM:{custom}"
        if builtin not in _OPERATOR_NAMES:
            raise ModelError(f"unknown builtin operator code {builtin}")
        return _OPERATOR_NAMES[builtin]

    def indices(self, values, limit: int, what: str) -> list[int]:
        out = [int(v) for v in values]
        for v in out:
            if v < -1 or v >= limit:
                raise ModelError(f"{what}: tensor index {v} out of range (0..{limit - 1})")
        return out

    def tensor(self, t, index: int, n_buffers: int) -> Tensor:
        type_code = int(t.Type())
        if type_code not in _TENSOR_TYPES:
            raise ModelError(f"tensor {index}: unknown type code {type_code}")
        dtype = _TENSOR_TYPES[type_code]
        rank = self.count(t.ShapeLength(), f"tensor {index} shape")
        if rank > _MAX_RANK:
            raise ModelError(f"tensor {index}: rank {rank} exceeds {_MAX_RANK}")
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if rank else ()
        if any(d < 0 for d in shape):
            shape = tuple(1 if d < 0 else d for d in shape)  # dynamic batch: TFLM runs batch 1
        if any(d > _MAX_ELEMENTS for d in shape) or np.prod(shape, dtype=np.float64) > _MAX_ELEMENTS:
            raise ModelError(f"tensor {index}: shape {list(shape)} is larger than any microcontroller model")
        name = (t.Name() or b"").decode("utf-8", "replace")
        tensor = Tensor(index=index, name=name, shape=shape, dtype=dtype,
                        quant=self.quantization(t.Quantization(), index, shape),
                        is_variable=bool(t.IsVariable()))
        buffer_index = int(t.Buffer())
        if buffer_index >= n_buffers:
            raise ModelError(f"tensor {index}: buffer {buffer_index} out of range ({n_buffers} buffers)")
        if buffer_index > 0:
            tensor.data = self.constant(self.model.Buffers(buffer_index), tensor)
        return tensor

    def quantization(self, q, index: int, shape: tuple[int, ...]) -> Quantization | None:
        if q is None or q.ScaleLength() == 0:
            return None
        n = self.count(q.ScaleLength(), f"tensor {index} scales")
        scales = tuple(float(s) for s in q.ScaleAsNumpy())
        nz = self.count(q.ZeroPointLength(), f"tensor {index} zero points", 8)
        zero_points = tuple(int(z) for z in q.ZeroPointAsNumpy()) if nz else (0,) * n
        if nz and nz != n:
            raise ModelError(f"tensor {index}: {n} scales but {nz} zero points")
        axis = int(q.QuantizedDimension())
        if n > 1 and len(shape) == 1 and shape[0] == n and axis != 0:
            # Old converters copied the filter's quantized_dimension onto a conv's 1-D bias; TFLM
            # never reads it there, so one scale per element can only mean axis 0.
            axis = 0
        if n > 1 and not (0 <= axis < len(shape) and shape[axis] == n):
            raise ModelError(f"tensor {index}: {n} per-channel scales do not match axis {axis} of {list(shape)}")
        return Quantization(scale=scales, zero_point=zero_points, axis=axis)

    def constant(self, buffer, tensor: Tensor) -> np.ndarray | None:
        if buffer.Offset() > 1:  # large models keep buffers after the flatbuffer
            start, length = int(buffer.Offset()), int(buffer.Size())
            if start + length > self.size:
                raise ModelError(f"tensor {tensor.index}: external buffer beyond end of file")
            raw = self.data[start:start + length]
        else:
            if buffer.DataLength() == 0:
                return None
            self.count(buffer.DataLength(), f"tensor {tensor.index} data", 1)
            raw = buffer.DataAsNumpy().tobytes()
        if tensor.dtype in ("string", "int4"):
            return np.frombuffer(raw, dtype=np.uint8).copy()
        if len(raw) != tensor.nbytes:
            raise ModelError(f"tensor {tensor.index} ({tensor.name}): {len(raw)} data bytes, "
                             f"shape {list(tensor.shape)} {tensor.dtype} needs {tensor.nbytes}")
        return np.frombuffer(raw, dtype=np.dtype(tensor.dtype).newbyteorder("<")).reshape(tensor.shape).copy()

    def operator(self, op, index: int, opcodes: list[str], n_tensors: int) -> Operator:
        opcode_index = int(op.OpcodeIndex())
        if opcode_index >= len(opcodes):
            raise ModelError(f"operator {index}: opcode index {opcode_index} out of range")
        self.count(op.InputsLength(), f"operator {index} inputs")
        self.count(op.OutputsLength(), f"operator {index} outputs")
        inputs = self.indices(op.InputsAsNumpy() if op.InputsLength() else [], n_tensors, f"operator {index} inputs")
        outputs = self.indices(op.OutputsAsNumpy() if op.OutputsLength() else [], n_tensors, f"operator {index} outputs")
        if any(o < 0 for o in outputs):
            raise ModelError(f"operator {index}: missing output tensor")
        return Operator(index=index, op=opcodes[opcode_index], inputs=tuple(inputs), outputs=tuple(outputs),
                        options=self.options(op, index),
                        version=int(self.model.OperatorCodes(opcode_index).Version()))

    def options(self, op, index: int) -> dict[str, Any]:
        kind = int(op.BuiltinOptionsType())
        if kind == 0:
            return {}
        class_name = _OPTION_CLASSES.get(kind)
        table = op.BuiltinOptions()
        if class_name is None or table is None:
            raise ModelError(f"operator {index}: unknown builtin options type {kind}")
        parsed = getattr(schema, class_name + "T").InitFromBuf(table.Bytes, table.Pos)
        return {_snake(k): _plain(_snake(k), v) for k, v in vars(parsed).items()}


def _snake(name: str) -> str:
    words = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)  # dilationWFactor -> dilationW_Factor
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", words).lower()


def _plain(key: str, value: Any) -> Any:
    if key in _ENUM_FIELDS:
        return _ENUM_FIELDS[key].get(int(value), str(value))
    if isinstance(value, np.ndarray):
        return [v.item() for v in value]
    if isinstance(value, (list, tuple)):
        return [v.item() if hasattr(v, "item") else v for v in value]
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value
