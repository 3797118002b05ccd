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


# The published protocol (VEEGAN 2017, PacGAN 2018): known answers on constructed samples
def test_all_in_one_mode_is_log_k_and_balanced_is_zero():
    centres = np.array([[np.cos(a), np.sin(a)] for a in np.arange(8) * np.pi / 4])
    one = np.repeat(centres[:1], 2500, axis=0)
    out = mode_coverage(one, centres, 0.01)
    assert out["modes_covered"] == 1 and out["mode_kl"] == pytest.approx(math.log(8))
    grid = np.stack(np.meshgrid(*[np.arange(-4.0, 5.0, 2.0)] * 2, indexing="ij"), -1)
    grid = grid.reshape(-1, 2)
    balanced = np.repeat(grid, 100, axis=0)  # 2500 samples, 100 per mode
    out = mode_coverage(balanced, grid, 0.05)
    assert out["modes_covered"] == 25 and out["mode_kl"] == pytest.approx(0.0, abs=1e-12)
    assert mode_coverage(np.repeat(grid[:1], 2500, 0), grid, 0.05)["mode_kl"] == \
        pytest.approx(math.log(25))


@pytest.mark.parametrize("sigma", [0.01, 0.05])
def test_three_sigma_threshold(sigma):
    centres = np.array([[0.0, 0.0], [2.0, 0.0]])
    direction = np.array([0.6, 0.8])  # a unit vector off the axes
    inside = centres[0] + 2.9 * sigma * direction
    outside = centres[0] + 3.1 * sigma * direction
    assert mode_coverage(inside[None], centres, sigma)["high_quality_pct"] == 100.0
    out = mode_coverage(outside[None], centres, sigma)
    assert out["high_quality_pct"] == 0.0 and out["modes_covered"] == 0


def test_mode_spread_is_one_for_the_mixture_and_zero_on_the_centres():
    from otgan.data.toy import PUBLISHED, TOY
    from otgan.metrics.modes import mode_spread

    sampler, centres, sigma = TOY["25gaussians"]
    x = sampler(50000, 0).double().numpy()
    # the 3-sigma cut of a 2D Gaussian keeps E[r^2 | r <= 3 sigma] = 2 sigma^2 (1 - 4.5 e^-4.5 /
    # (1 - e^-4.5)): the ratio is sqrt of that over 2 sigma^2
    cut = math.sqrt(1 - 4.5 * math.exp(-4.5) / (1 - math.exp(-4.5)))
    assert mode_spread(x, centres(), sigma) == pytest.approx(cut, rel=0.01)
    assert mode_spread(np.repeat(centres(), 4, axis=0), centres(), sigma) == 0.0
    assert mode_spread(centres() + 1.0, centres(), sigma) is None
    assert PUBLISHED["25gaussians"][3] == 2.828
