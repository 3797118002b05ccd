"""Spectral normalization's power iteration on its numbers: the estimate u^T W v rises towards
the SVD's largest singular value, never above it, and converges; after training, the running
estimate (one iteration per forward pass) is the SVD value within 1%."""

import pytest
import torch
from torch import nn

from otgan.figures import make_figure
from otgan.figures.power_iteration import power_iterations, sigma_estimate
from otgan.methods.spectral import spectrally_normalize


@pytest.fixture(scope="module")
def numbers(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig")
    n = make_figure("power-iteration", out, quick=True)
    assert (out / "power-iteration.png").is_file()
    return n


def test_estimates_rise_to_the_svd_value_from_below(numbers):
    assert len(numbers["layers"]) == 6
    for layer in numbers["layers"]:
        s1, est, err = layer["svd_sigma"], layer["estimates"], layer["relative_errors"]
        assert max(est) <= s1 * (1 + 1e-5), layer["matrix"]
        assert all(b >= a - 1e-5 * s1 for a, b in zip(est, est[1:])), layer["matrix"]
        assert err[-1] < 5e-3, layer["matrix"]
        if layer["matrix"][0] == 1:  # a rank-one matrix: exact after one iteration
            assert err[0] < 1e-5
        else:
            assert err[-1] < err[0] / 10


def test_running_estimate_after_training(numbers):
    for layer in numbers["trained"]["layers"]:
        assert layer["relative_error"] < 0.01, layer


def test_power_iteration_on_a_diagonal_matrix():
    layer = spectrally_normalize(nn.Linear(3, 3, bias=False))
    with torch.no_grad():
        layer.parametrizations.weight.original.copy_(torch.diag(torch.tensor([3.0, 1.5, 0.5])))
    est = power_iterations(layer, 20, seed=0)
    # the error of u^T W v falls like (sigma2 / sigma1)^(2k) = 4^-k
    assert est[-1] == pytest.approx(3.0, rel=1e-6)
    assert sigma_estimate(layer) == pytest.approx(est[-1])
    assert abs(est[4] - 3.0) / 3.0 < 3 * 4.0 ** -5
