"""The ASGD rate on its numbers: the gap H(psi*) - H(psi_k) is never negative (weak duality on
the grid measure) and falls at least as fast as the O(log k / sqrt(k)) bound."""

import numpy as np
import pytest

from otgan.figures import make_figure
from otgan.figures.asgd_rate import checkpoints, loglog_slope


@pytest.fixture(scope="module")
def numbers(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig")
    n = make_figure("asgd-rate", out, quick=True)
    assert (out / "asgd-rate.png").is_file()
    return n


@pytest.mark.parametrize("cost", ["euclidean", "sqeuclidean"])
def test_gap_is_nonnegative_and_falls_like_the_bound_or_faster(numbers, cost):
    e = numbers[cost]
    gap = np.asarray(e["gap_averaged"])
    assert (gap >= -1e-12).all()
    assert e["slope_averaged"] < -0.45  # the bound's log k / sqrt k has local slope > -0.5
    k = np.asarray(numbers["k"], float)
    assert gap[-1] < gap[k >= 10][0] / 30
    assert e["gap_over_bound_final"] < 0.5  # well under the bound's shape at the end


def test_slope_and_checkpoints():
    k = np.asarray(checkpoints(1000), float)
    assert k[0] == 1 and k[-1] == 1000 and (np.diff(k) > 0).all()
    assert loglog_slope(k, 3.0 / np.sqrt(k), 1) == pytest.approx(-0.5)
    assert loglog_slope(k, 2.0 / k, 10) == pytest.approx(-1.0)
