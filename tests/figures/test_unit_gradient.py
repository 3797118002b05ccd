"""||grad psi^c|| on its numbers: 1 at every sampled point for the W1 cost, 2 ||x - T(x)|| for
the W2 cost, which is not 1 (the lecture's question answered)."""

import pytest
import torch

from otgan.figures import make_figure, square
from otgan.figures.unit_gradient import gradient_norms


@pytest.fixture(scope="module")
def numbers(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig")
    n = make_figure("unit-gradient", out, quick=True)
    assert (out / "unit-gradient.png").is_file() and (out / "unit-gradient.json").is_file()
    return n


def test_w1_gradient_has_norm_one_almost_everywhere(numbers):
    e = numbers["euclidean"]
    assert e["fraction_unit"] == 1.0
    assert e["max_error_vs_1"] < 1e-9


def test_w2_gradient_is_twice_the_transport_distance_not_one(numbers):
    e = numbers["sqeuclidean"]
    assert e["max_error_vs_2_dist"] < 1e-9
    assert e["fraction_unit"] < 0.01
    assert e["grad_norm_min"] < 0.2 and e["grad_norm_mean"] < 0.6
    assert e["grad_norm_max"] == pytest.approx(2 * e["transport_distance_max"], rel=1e-9)


def test_gradient_norms_against_a_hand_computed_case():
    # one target at the origin, psi = 0: grad |x| = x / |x|, grad |x|^2 = 2x
    y = torch.zeros(1, 2, dtype=torch.float64)
    x = torch.tensor([[3.0, 4.0], [0.3, 0.4]], dtype=torch.float64)
    psi = torch.zeros(1, dtype=torch.float64)
    g1, d = gradient_norms(x, y, psi, "euclidean")
    g2, _ = gradient_norms(x, y, psi, "sqeuclidean")
    assert g1.tolist() == pytest.approx([1.0, 1.0])
    assert g2.tolist() == pytest.approx([10.0, 1.0]) and d.tolist() == pytest.approx([5.0, 0.5])
    assert square.grid(2).tolist() == [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]
