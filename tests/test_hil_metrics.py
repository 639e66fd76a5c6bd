"""Agreement figures between device and reference outputs."""
from __future__ import annotations

import numpy as np

from hil.metrics import agreement

# Identical outputs whose float64 dot product over the product of norms rounds to 1.0000000000000002.
ROUNDS_ABOVE_ONE = np.array([[-63, 29, 67, -30, -11, 127, 78, 123, -31, 47, 115, 38]], np.int8)


def test_identical_outputs_have_cosine_exactly_one():
    x = ROUNDS_ABOVE_ONE.astype(np.float64).reshape(-1)
    assert float(np.dot(x, x) / (np.linalg.norm(x) * np.linalg.norm(x))) > 1.0  # the rounding this guards
    result = agreement([ROUNDS_ABOVE_ONE], [ROUNDS_ABOVE_ONE.copy()])
    assert result.cosine_similarity == 1.0 and repr(result.cosine_similarity) == "1.0"
    assert result.exact_samples == 1 and result.max_abs_diff == 0.0


def test_opposite_outputs_have_cosine_exactly_minus_one():
    result = agreement([ROUNDS_ABOVE_ONE.astype(np.int16)], [-ROUNDS_ABOVE_ONE.astype(np.int16)])
    assert result.cosine_similarity == -1.0 and result.exact_samples == 0
