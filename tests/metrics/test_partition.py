"""The partition metric of semi-discrete critics, on Voronoi cells with known masses."""

import pytest
import torch

from otgan.metrics import EvalContext, compute
from otgan.semidiscrete import SemiDiscreteCritic

Y = torch.tensor([[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]])


def test_cell_masses_of_quadrants_against_the_weights():
    # psi = 0: the cells are the four quadrants of the unit square, mass 1/4 each under the
    # uniform measure; against nu = (0.4, 0.2, 0.2, 0.2): max relative error |0.25 - 0.4| / 0.4
    # = 0.375, total variation (0.15 + 3 * 0.05) / 2 = 0.15, no empty cell
    critic = SemiDiscreteCritic(Y, torch.tensor([0.4, 0.2, 0.2, 0.2]), cost="euclidean")
    x = torch.rand(400_000, 2, generator=torch.Generator().manual_seed(0))
    out = compute(["partition"], EvalContext(fake=x, real=x[:10], critic=critic))
    assert out["sd_mass_error"] == pytest.approx(0.375, abs=0.01)
    assert out["sd_mass_tv"] == pytest.approx(0.15, abs=0.005)
    assert out["sd_empty_cells"] == 0.0
    assert out["sd_cells_hit"] == pytest.approx(1.0)  # 4 hit; 4 expected (1 - 0.8^n ~ 1)
    # all generated points in one quadrant: three cells empty, TV = 1 - nu_0 = 0.6
    out = compute(["partition"], EvalContext(fake=x * 0.5, real=x[:10], critic=critic))
    assert out["sd_empty_cells"] == 0.75
    assert out["sd_mass_tv"] == pytest.approx(0.6)
    assert out["sd_mass_error"] == pytest.approx(1.5)  # (1 - 0.4) / 0.4


def test_cells_hit_reads_balance_and_collapse_with_fewer_points_than_cells():
    # 3000 targets, 600 points: most cells are empty either way; the ratio tells them apart.
    # Balanced: each point one of the targets at random (psi = 0: a target lies in its own cell),
    # E[distinct] = 3000 (1 - (1 - 1/3000)^600) = 543.9; collapse: all points one target.
    g = torch.Generator().manual_seed(0)
    y = torch.randn(3000, 5, generator=g)
    critic = SemiDiscreteCritic(y, torch.full((3000,), 1 / 3000), cost="sqeuclidean")
    ratios = []
    for seed in range(5):
        idx = torch.randint(3000, (600,), generator=torch.Generator().manual_seed(seed))
        out = compute(["partition"], EvalContext(fake=y[idx], real=y[:10], critic=critic))
        assert out["sd_mass_n"] == 600 and out["sd_empty_cells"] > 0.8
        ratios.append(out["sd_cells_hit"])
    # distinct count's standard deviation at these sizes: about 8.6, i.e. 0.016 of 543.9
    assert sum(ratios) / 5 == pytest.approx(1.0, abs=0.025)
    out = compute(["partition"], EvalContext(fake=y[[7] * 600], real=y[:10], critic=critic))
    assert out["sd_cells_hit"] == pytest.approx(1 / 543.9, rel=1e-3)


def test_the_semi_dual_value_on_quadrant_cells_and_on_latent_points():
    # psi = 0, squared cost: H = E min_j |x - y_j|^2 with x uniform on the square = twice the
    # variance of U[0, 1/2] = 2 (1/2)^2 / 12 = 1/24; the euclidean cost: E |x - centre| over a
    # square of side 1/2 = 0.3826 / 2 (the unit square's mean distance to its centre, scaled)
    x = torch.rand(400_000, 2, generator=torch.Generator().manual_seed(1))
    sq = SemiDiscreteCritic(Y, None, cost="sqeuclidean")
    out = compute(["partition"], EvalContext(fake=x, real=x[:10], critic=sq))
    assert out["sd_dual"] == pytest.approx(1 / 24, rel=0.01)
    eu = SemiDiscreteCritic(Y, None, cost="euclidean")
    out = compute(["partition"], EvalContext(fake=x, real=x[:10], critic=eu))
    assert out["sd_dual"] == pytest.approx(0.38260 / 2, rel=0.01)
    # psi shifts H by sum nu psi - ...: psi = c everywhere moves nothing (H is invariant)
    with torch.no_grad():
        sq.psi_avg.fill_(0.3)
    out = compute(["partition"], EvalContext(fake=x, real=x[:10], critic=sq))
    assert out["sd_dual"] == pytest.approx(1 / 24, rel=0.01)
    # a critic of latent points reads the latent law (``prior``), not the generated points
    out = compute(["partition"], EvalContext(fake=x * 0.5, real=x[:10], critic=sq,
                                             critic_reads_latent=True, prior=lambda n: x[:n]))
    assert out["sd_mass_tv"] < 0.01 and out["sd_dual"] == pytest.approx(1 / 24, rel=0.02)
