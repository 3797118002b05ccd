"""Semi-discrete OT: c-transform and its gradients, Laguerre cells, averaged SGD, worked example."""

import io
import math

import numpy as np
import pytest
import torch

from otgan.metrics.ot import cost_matrix, emd2
from otgan.semidiscrete import AveragedSGD, SemiDiscreteCritic, assign, c_transform, solve


def dense_c_transform(x, psi, y, cost, eps, nu):
    c = ((x[:, None] - y[None]) ** 2).sum(-1)
    c = c.sqrt() if cost == "euclidean" else c
    if eps == 0:
        return (c - psi[None]).min(1).values
    return -eps * torch.logsumexp((psi[None] - c) / eps + nu.log()[None], 1)


@pytest.mark.parametrize("cost", ["euclidean", "sqeuclidean"])
@pytest.mark.parametrize("eps", [0.0, 0.05])
def test_chunked_c_transform_and_gradients_match_dense_autograd(cost, eps):
    torch.manual_seed(0)
    x = torch.randn(9, 3, dtype=torch.float64, requires_grad=True)
    y = torch.randn(23, 3, dtype=torch.float64)
    psi = (0.3 * torch.randn(23, dtype=torch.float64)).requires_grad_()
    nu = torch.rand(23, dtype=torch.float64)
    nu /= nu.sum()
    g = torch.randn(9, dtype=torch.float64)
    ref = dense_c_transform(x, psi, y, cost, eps, nu)
    rx, rp = torch.autograd.grad((ref * g).sum(), [x, psi])
    val = c_transform(x, y, psi, nu, cost=cost, eps=eps, chunk=5)  # 5 chunks of targets
    vx, vp = torch.autograd.grad((val * g).sum(), [x, psi])
    assert torch.allclose(val, ref, atol=1e-12)
    assert torch.allclose(vx, rx, atol=1e-12)
    assert torch.allclose(vp, rp, atol=1e-12)


def test_soft_c_transform_tends_to_the_hard_one():
    torch.manual_seed(1)
    x, y = torch.randn(50, 2, dtype=torch.float64), torch.randn(30, 2, dtype=torch.float64)
    psi = 0.2 * torch.randn(30, dtype=torch.float64)
    hard = c_transform(x, y, psi, cost="sqeuclidean")
    gaps = [float((c_transform(x, y, psi, cost="sqeuclidean", eps=eps) - hard).abs().max())
            for eps in (1e-1, 1e-2, 1e-3)]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-2  # |soft - hard| <= eps * log J


def test_zero_dual_gives_voronoi_cells_and_gradient_mass_balance():
    torch.manual_seed(2)
    x, y = torch.randn(400, 2), torch.randn(12, 2)
    _, idx = assign(x, y, torch.zeros(12), cost="euclidean")
    assert torch.equal(idx, torch.cdist(x, y).argmin(1))
    crit = SemiDiscreteCritic(y, cost="euclidean")
    crit.dual(x).backward()
    masses = torch.bincount(idx, minlength=12).float() / 400
    # dH/dpsi_j = nu_j - mu(L_j)
    assert torch.allclose(crit.psi.grad, crit.nu - masses, atol=1e-6)


def test_w1_critic_has_unit_gradient_norm():
    # lecture 002: for c(x, y) = ||x - y||, ||grad psi^c|| = 1 away from the targets
    torch.manual_seed(3)
    crit = SemiDiscreteCritic(torch.randn(20, 2), cost="euclidean")
    with torch.no_grad():
        crit.psi.normal_()
    x = torch.randn(300, 2, requires_grad=True)
    (g,) = torch.autograd.grad(crit(x).sum(), x)
    assert torch.allclose(g.norm(dim=1), torch.ones(300), atol=1e-5)


def test_averaged_sgd_follows_gamma_over_sqrt_k_and_averages():
    p = torch.nn.Parameter(torch.zeros(3))
    avg = torch.zeros(3)
    opt = AveragedSGD([p], [avg], gamma=0.5)
    iterates = []
    for _ in range(6):
        p.grad = torch.tensor([1.0, -2.0, 0.0])  # gradient of a loss: the step descends it
        opt.step()
        iterates.append(p.detach().clone())
    expected = -0.5 * sum(1 / math.sqrt(k) for k in range(1, 7)) * torch.tensor([1.0, -2.0, 0.0])
    assert torch.allclose(p.detach(), expected)
    assert torch.allclose(avg, torch.stack(iterates).mean(0))
    assert opt.k == 6
    opt.restart()
    assert opt.k == 0 and torch.equal(avg, p.detach())
    buf = io.BytesIO()
    torch.save(opt.state_dict(), buf)  # checkpointable with weights_only loading
    buf.seek(0)
    assert torch.load(buf, weights_only=True)["state"][0]["k"] == 0


# The worked example of docs/semidiscrete.md: mu uniform on the unit square, four weighted Diracs.
Y4 = torch.tensor([[0.2, 0.2], [0.8, 0.3], [0.5, 0.8], [0.3, 0.6]], dtype=torch.float64)
NU4 = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)


def unit_grid(m: int = 100) -> np.ndarray:
    u = (np.arange(m) + 0.5) / m
    return np.stack(np.meshgrid(u, u), -1).reshape(-1, 2)


def exact_on_grid(cost: str, m: int = 100) -> float:
    """POT's exact OT between a regular m x m grid discretization of mu and nu (the 100 x 100
    and 200 x 200 grids agree to 2e-4 relative)."""
    p = 1 if cost == "euclidean" else 2
    return emd2(np.full(m * m, 1 / m ** 2), NU4.numpy(), cost_matrix(unit_grid(m), Y4.numpy(), p))


@pytest.mark.parametrize("cost", ["euclidean", "sqeuclidean"])
def test_worked_example_against_pot(cost):
    g = torch.Generator().manual_seed(0)
    res = solve(lambda n: torch.rand(n, 2, generator=g, dtype=torch.float64), Y4, NU4, cost=cost,
                steps=5000, batch=512, n_eval=10**6)
    exact = exact_on_grid(cost)
    # weak duality: the dual value never exceeds the exact cost (up to the Monte-Carlo error of
    # 1e6 samples and the grid's discretization, both under 0.1%); measured -0.05% and -0.08%
    assert res.cost <= exact * 1.001
    assert res.cost >= exact * 0.99  # within 1%
    # exact weak duality, free of sampling error: the dual value of the solver's psi for the
    # grid measure is a lower bound of the grid's exact cost, and within 1% of it
    grid = torch.from_numpy(unit_grid())
    h_grid = float(c_transform(grid, Y4, res.psi.double(), cost=cost).mean() + NU4 @ res.psi.double())
    assert h_grid <= exact + 1e-12
    assert h_grid >= exact * 0.99
    masses = res.masses.double()
    assert torch.all((masses - NU4).abs() <= 0.01 * NU4), masses  # measured: within 0.7%


@pytest.mark.parametrize("cost, shift", [("euclidean", 0.0), ("sqeuclidean", 3.0)])
def test_primal_bound_brackets_the_cost_with_the_dual_value(cost, shift):
    """mu uniform on the unit square, the k x k cell centres (shifted by (shift, 0)) as targets:
    W1 = 0.38260 / k, W2^2 = 1 / (6 k^2) + shift^2.  At psi = 0 the Voronoi cells are the
    squares (for the shifted targets, at psi_j = 2 t.(y_j - t)), so the plan is optimal and the
    bound is the cost; at a wrong psi the bound is
    above it and the dual value below, both by a visible margin."""
    from otgan.semidiscrete import primal_bound

    k = 12
    u = (torch.arange(k) + 0.5) / k
    y = torch.stack(torch.meshgrid(u, u, indexing="ij"), -1).reshape(-1, 2)
    y = y + torch.tensor([shift, 0.0])
    # the masses' sampling noise adds about sqrt(J / n) x the spacing: 1-2% at n = 2e6
    x = torch.rand(2_000_000, 2, generator=torch.Generator().manual_seed(0))
    exact = 0.38260 / k if cost == "euclidean" else 1 / (6 * k * k) + shift ** 2
    t = torch.tensor([shift, 0.0])
    optimal = 2 * (y - t) @ t  # the Voronoi cells of the unshifted centres (0 when shift = 0)
    assert primal_bound(x, y, optimal, cost=cost) == pytest.approx(exact, rel=0.025)
    psi = 0.3 / k * torch.randn(k * k, generator=torch.Generator().manual_seed(1))
    upper = primal_bound(x, y, psi, cost=cost)
    lower = float(c_transform(x, y, psi, cost=cost).mean() + psi.mean())
    assert lower < exact < upper
    assert upper > exact + 0.002 / k and lower < exact - 0.002 / k


def test_solver_pot_uses_pots_solve_semidiscrete_with_the_same_cells():
    """solve(solver="pot") returns POT's averaged potential (the same convention as psi: its
    cells balance the masses), and POT's own assignment agrees with otgan's on it."""
    import ot

    g = torch.Generator().manual_seed(0)
    sample = lambda n: torch.rand(n, 2, generator=g, dtype=torch.float64)  # noqa: E731
    res = solve(sample, Y4, NU4, steps=300, batch=256, n_eval=20000, solver="pot",
                pot_options={"lr0": 0.3, "decreasing_reg": False, "lr_exponent": 0.5})
    assert res.psi.shape == (4,) and torch.isfinite(res.psi).all()
    masses = res.masses.double()
    assert torch.all((masses - NU4).abs() <= 0.1 * NU4), masses  # measured: within 2%
    x = sample(2000)
    ours = assign(x, Y4, res.psi.double())[1]
    pots = ot.semidiscrete.semidiscrete_atom_weights(Y4, x, res.psi.double(), NU4).argmax(1)
    assert torch.equal(ours, pots)
    with pytest.raises(ValueError, match="set by solve itself"):
        solve(sample, Y4, NU4, steps=2, solver="pot", pot_options={"batch_size": 8})
    with pytest.raises(ValueError, match="solver must be"):
        solve(sample, Y4, NU4, steps=2, solver="sinkhorn")
