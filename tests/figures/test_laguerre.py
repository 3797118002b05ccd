"""Voronoi -> optimal Laguerre diagram, on its numbers: at psi = 0 the cells' masses are uneven,
at the solved psi every cell holds its target's weight, and the dual value never exceeds the
exact OT cost of the same grid measure (weak duality) while reaching it at the optimum."""

import json

import pytest
import torch

from otgan.figures import make_figure
from otgan.figures import square


@pytest.fixture(scope="module")
def numbers(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig")
    n = make_figure("laguerre", out, quick=True)
    assert (out / "laguerre.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "laguerre.json").read_text()) == json.loads(json.dumps(n))
    return n


@pytest.mark.parametrize("cost", ["euclidean", "sqeuclidean"])
def test_masses_equal_the_weights_at_the_optimum_not_at_psi_0(numbers, cost):
    e = numbers[cost]
    assert sum(e["optimal"]["masses"]) == pytest.approx(1.0)
    assert e["voronoi"]["max_relative_mass_error"] > 0.3  # the Voronoi split is uneven
    assert e["optimal"]["max_relative_mass_error"] < 0.1, e["optimal"]["masses"]


@pytest.mark.parametrize("cost", ["euclidean", "sqeuclidean"])
def test_dual_value_below_the_exact_cost_and_reaching_it(numbers, cost):
    e = numbers[cost]
    for key in ("voronoi", "optimal"):
        assert e[key]["dual_value"] <= e["exact_cost"] + 1e-9  # weak duality, same grid measure
    assert e["voronoi"]["relative_dual_gap"] > 0.02
    assert e["optimal"]["relative_dual_gap"] < 2e-3


def test_voronoi_cells_are_the_same_for_both_costs():
    y = square.targets()
    zero = torch.zeros(y.shape[0], dtype=torch.float64)
    assert torch.equal(square.cells(zero, y, "euclidean", 64),
                       square.cells(zero, y, "sqeuclidean", 64))


def test_exact_cost_of_one_target_is_the_mean_cost_to_it():
    # nu = delta_(0.5, 0.5): everything goes there; E|x - c|^2 over the grid = 2 (1/12 - 1/(12 n^2))
    y = torch.tensor([[0.5, 0.5]], dtype=torch.float64)
    n = 40
    assert square.exact_cost(y, torch.ones(1, dtype=torch.float64), "sqeuclidean", n) == \
        pytest.approx(2 * (1 / 12 - 1 / (12 * n * n)), rel=1e-9)
