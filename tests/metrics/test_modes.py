"""Mode coverage against hand-placed samples."""

import math

import numpy as np
import pytest

from otgan.metrics import mode_coverage


def test_mode_coverage():
    centres = np.array([[float(i), 0.0] for i in range(8)])
    sigma = 0.01
    on_three = np.repeat(centres[:3], 10, axis=0) + 0.001
    out = mode_coverage(on_three, centres, sigma)
    assert out["modes_covered"] == 3 and out["high_quality_pct"] == 100.0
    assert out["mode_kl"] == pytest.approx(math.log(8 / 3))
    balanced = np.repeat(centres, 5, axis=0)
    assert mode_coverage(balanced, centres, sigma)["mode_kl"] == pytest.approx(0.0)
    far = centres + 0.5
    out = mode_coverage(far, centres, sigma)
    assert out["modes_covered"] == 0 and out["high_quality_pct"] == 0 and out["mode_kl"] is None
    half = np.concatenate([balanced, far])  # 40 good, 8 bad
    assert mode_coverage(half, centres, sigma)["high_quality_pct"] == pytest.approx(100 * 40 / 48)
