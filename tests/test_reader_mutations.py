"""1,000+ seeded mutations of real models (truncation, byte flips, offset corruption) through the reader
and every analysis `inspect` runs on its result: each ends in a Graph or a ModelError, within 2 s."""
import time

import numpy as np
import pytest

from toolchain.errors import ToolchainError
from toolchain.model.analysis import operator_costs
from toolchain.model.reader import parse_model
from toolchain.plan import check_plan, plan_memory

MUTATIONS_PER_MODEL = 350


def _mutate(data: bytes, rng: np.random.Generator, kind: int) -> bytes:
    b = bytearray(data)
    if kind == 0:  # truncation
        return bytes(b[: int(rng.integers(0, len(b)))])
    if kind == 1:  # random byte flips
        for _ in range(int(rng.integers(1, 32))):
            b[int(rng.integers(0, len(b)))] ^= 1 << int(rng.integers(0, 8))
        return bytes(b)
    # offset corruption: overwrite an aligned 32-bit word (flatbuffer offsets, lengths, vtables)
    pos = int(rng.integers(0, len(b) // 4)) * 4
    value = int(rng.choice([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, int(rng.integers(0, 2**32)), len(b), len(b) - 4]))
    b[pos:pos + 4] = value.to_bytes(4, "little")
    return bytes(b)


@pytest.mark.parametrize("model_name", ["kws_ref_model.tflite", "pretrainedResnet_quant.tflite",
                                        "micro_speech_quantized.tflite"])
def test_mutations_never_crash_or_hang(models_dir, model_name):
    data = (models_dir / model_name).read_bytes()
    rng = np.random.default_rng(20261127)
    outcomes = {"graph": 0, "error": 0}
    for i in range(MUTATIONS_PER_MODEL):
        mutated = _mutate(data, rng, i % 3)
        start = time.monotonic()
        try:
            graph = parse_model(mutated)
            operator_costs(graph)
            plan = plan_memory(graph)
            check_plan(graph, plan)
            outcomes["graph"] += 1
        except ToolchainError as exc:
            assert str(exc), "errors must say what is wrong"
            outcomes["error"] += 1
        elapsed = time.monotonic() - start
        assert elapsed < 2.0, f"mutation {i} took {elapsed:.2f} s"
    # Both outcomes must occur, or the mutations are not exercising the reader.
    assert outcomes["graph"] > 20 and outcomes["error"] > 100, outcomes
