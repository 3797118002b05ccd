"""A trained GAN discriminator against the closed form D* = q / (q + p), on its numbers."""

import math

import numpy as np
import pytest

from otgan.figures import make_figure
from otgan.figures.optimal_discriminator import (GRID, density, gaussian, js_divergence,
                                                 optimal_discriminator)


@pytest.fixture(scope="module")
def numbers(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig")
    n = make_figure("optimal-discriminator", out, quick=True)
    assert (out / "optimal-discriminator.png").is_file()
    return n


def test_trained_discriminator_close_to_q_over_q_plus_p(numbers):
    for name, e in numbers["pairs"].items():
        assert e["mean_abs_error"] < 0.05, name
        assert e["max_abs_error_where_mixture_above_0.05"] < 0.2, name
        assert e["js_estimate"] == pytest.approx(e["js_true"], abs=0.05), name


def test_closed_forms():
    # N(0,1) against N(2,1): D* = sigmoid(2 - 2x)
    q, p = gaussian(GRID, 0.0, 1.0), gaussian(GRID, 2.0, 1.0)
    assert np.allclose(optimal_discriminator(q, p), 1 / (1 + np.exp(2 * GRID - 2)))
    assert js_divergence(q, q, GRID) == pytest.approx(0.0, abs=1e-12)
    # supports 6 apart with std 0.2: no overlap within float64, JS = log 2
    left, right = density([(1.0, -3.0, 0.2)], GRID), density([(1.0, 3.0, 0.2)], GRID)
    assert js_divergence(left, right, GRID) == pytest.approx(math.log(2), abs=1e-6)
