"""The wire format of `POST /v1/results`, validated with pydantic before anything is stored.

The wire is parsed strictly (pydantic strict mode): an integer field takes a JSON integer only, never "3",
3.0 or true; a number field takes a JSON number, never a string or a boolean.

A batch is accepted or rejected as a whole: one bad result rejects the batch and nothing of it is
written, so a sender never has to guess which part of a batch made it.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from toolchain.aggregator.errors import AggregatorError

MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_RESULTS_PER_BATCH = 5000
MAX_OUTPUT_VALUES = 65536  # a split model's head sends its whole feature map as output
MAX_INPUT_VALUES = 65536
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"

DeviceName = Annotated[str, Field(pattern=NAME_PATTERN)]
# JSON has no NaN/Infinity, but parsers accept them (and 1e400 overflows to inf): refused in
# pydantic's own (compiled) validation, which matters at tens of thousands of values a second.
Number = Annotated[float, Field(allow_inf_nan=False)] | int


class Quantization(BaseModel):
    """Affine int8/uint8 parameters: real = scale * (q - zero_point)."""

    model_config = ConfigDict(extra="forbid")
    scale: float = Field(gt=0)
    zero_point: int = Field(ge=-32768, le=65535)

    def dequantize(self, values: list[float]) -> list[float]:
        return [self.scale * (v - self.zero_point) for v in values]


class Result(BaseModel):
    """One inference on one device. `seq` is unique within (device, session)."""

    model_config = ConfigDict(extra="forbid")
    seq: int = Field(ge=0, le=2**62)
    output: list[Number] = Field(min_length=1, max_length=MAX_OUTPUT_VALUES)
    label: int | None = Field(default=None, ge=0, le=2**31 - 1)
    latency_cycles: int | None = Field(default=None, ge=0, le=2**62)
    input: list[Number] | None = Field(default=None, min_length=1, max_length=MAX_INPUT_VALUES)


class ResultBatch(BaseModel):
    """The body of `POST /v1/results`.

    `output_quant` / `input_quant`: set them when the device sends raw int8 tensors; the service then
    dequantizes before judging confidence or feeding the teacher. `output_kind` says what the tiny
    model's (dequantized) output holds; "auto" treats a vector of values in [0, 1] summing to 1 as
    probabilities and anything else as logits.
    """

    model_config = ConfigDict(extra="forbid")
    device: DeviceName
    session: str = Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")
    results: list[Result] = Field(min_length=1, max_length=MAX_RESULTS_PER_BATCH)
    output_quant: Quantization | None = None
    input_quant: Quantization | None = None
    output_kind: Literal["auto", "probabilities", "logits"] = "auto"

    @model_validator(mode="after")
    def _unique_seqs(self) -> "ResultBatch":
        seqs = [r.seq for r in self.results]
        if len(set(seqs)) != len(seqs):
            raise ValueError("seq values repeat inside one batch")
        return self


class BatchRejected(AggregatorError):
    """The body is not a valid batch; `reason` names the first problem found."""


def parse_batch(body: bytes) -> ResultBatch:
    """Validate a request body; raises BatchRejected with a readable reason."""
    try:
        return ResultBatch.model_validate_json(body, strict=True)
    except ValidationError as exc:
        raise BatchRejected(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"
