"""The dual step's scale and preconditioner (semidiscrete/step.py), and the solver with its
default step on the course's Exercise 1."""

import numpy as np
import pytest
import torch
from ot import emd2

from otgan.semidiscrete import cost_scale, dual_preconditioner, solve
from otgan.semidiscrete.solver import make_sampler
from otgan.semidiscrete.step import multiscale_preconditioner


def test_cost_scale_of_a_regular_grid():
    h = 0.25
    u = torch.arange(8) * h
    grid = torch.stack(torch.meshgrid(u, u, indexing="ij"), -1).reshape(-1, 2)
    assert cost_scale(grid, "euclidean") == pytest.approx(h, rel=1e-5)
    assert cost_scale(grid, "sqeuclidean") == pytest.approx(2 * h * h, rel=1e-5)
    assert cost_scale(3 * grid, "euclidean") == pytest.approx(3 * h, rel=1e-5)  # scales with data
    # one target, or only duplicates: nothing to balance, a unit scale
    assert cost_scale(torch.zeros(1, 2), "euclidean") == 1.0
    assert cost_scale(torch.zeros(5, 3), "sqeuclidean") == 1.0


def test_preconditioner_is_scale_over_weight_capped_by_the_batch():
    nu = torch.tensor([0.5, 0.25, 0.25 - 1e-4, 1e-4])
    p = dual_preconditioner(nu, 2.0, batch=64)
    assert torch.allclose(p[:3], 2.0 / nu[:3])
    assert float(p[3]) == pytest.approx(2.0 * 64)  # nu_j < 1/batch: one sample moves psi by <= s


def _matrix(P, J: int) -> torch.Tensor:
    return torch.stack([P(e) for e in torch.eye(J, dtype=torch.float64)], 1)


def _clusters(k: int = 8, per: int = 16, spread: float = 0.01, seed: int = 0):
    """k tight clusters of ``per`` targets on a circle of radius 2 (a mixture's modes)."""
    g = torch.Generator().manual_seed(seed)
    a = torch.arange(k) * 2 * torch.pi / k
    centres = 2 * torch.stack([a.cos(), a.sin()], 1)
    y = centres.repeat_interleave(per, 0) + spread * torch.randn(k * per, 2, generator=g)
    return y.double(), torch.full((k * per,), 1.0 / (k * per), dtype=torch.float64)


@pytest.mark.parametrize("cost", ["euclidean", "sqeuclidean"])
def test_multiscale_preconditioner_is_symmetric_positive_definite(cost):
    """A fixed SPD P keeps averaged SGD's guarantees; level 0 is the per-target step."""
    y, nu = _clusters()
    P = multiscale_preconditioner(y, nu, cost, batch=64)
    assert len(P.levels) == 3  # 128 targets, 16 clusters, 2 clusters
    M = _matrix(P, y.shape[0])
    assert torch.allclose(M, M.T, atol=1e-9 * M.abs().max())
    assert float(torch.linalg.eigvalsh(M).min()) > 0
    # without the coarse levels it is the diagonal of dual_preconditioner
    diag = dual_preconditioner(nu, cost_scale(y, cost), 64)
    assert torch.allclose(P.levels[0][1], diag)
    # two targets: no coarser level, exactly the per-target step
    two = multiscale_preconditioner(y[:2], nu[:2] * 64, cost, batch=64)
    assert torch.allclose(_matrix(two, 2), torch.diag(dual_preconditioner(nu[:2] * 64,
                                                                          cost_scale(y[:2], cost),
                                                                          64)))


def test_multiscale_preconditioner_moves_a_cluster_by_its_distance():
    """A mass error shared by one mode of a mixture (its cells all empty) moves all its targets'
    psi together, by the order of the distance between modes (measured 0.91 here, the modes 1.3
    to 2.6 apart), not by the spacing of its targets (the per-target step: 60 times less).  The modes sit on a line at uneven places, so that no
    coarse level's boundary cuts a mode (on a symmetric layout one can: then part of the mode
    moves with the neighbouring cluster until the finer levels catch up)."""
    g = torch.Generator().manual_seed(0)
    xs = torch.tensor([0.0, 1.7, 3.9, 5.2, 7.8, 9.1, 11.6, 13.0])
    centres = torch.stack([xs, torch.zeros(8)], 1)
    y = (centres.repeat_interleave(16, 0) + 0.01 * torch.randn(128, 2, generator=g)).double()
    nu = torch.full((128,), 1 / 128, dtype=torch.float64)
    P = multiscale_preconditioner(y, nu, "euclidean", batch=4096)
    grad = torch.full_like(nu, -nu[:16].sum() / 112)  # its mass sits on the other modes
    grad[:16] = nu[:16]  # dH/dpsi_j = nu_j - 0 on the empty mode
    step = P(grad)[:16]
    assert torch.allclose(step, step.mean(), rtol=0.05)  # the mode moves together
    fine = dual_preconditioner(nu, cost_scale(y, "euclidean"), 4096)[:16] * grad[:16]
    assert float(step.mean()) > 0.5 and float(step.mean()) > 30 * float(fine.mean())


def diamond_exact_w1(m: int = 120) -> float:
    """Exercise 1's W1 by POT between the cell centres of an m x m grid of the square (a square
    rotated by 45 degrees, so the grid tiles it exactly) and the three weighted points
    (m = 120 and m = 160 agree to 1e-4)."""
    u = ((np.arange(m) + 0.5) / m * 2 - 1) / np.sqrt(2)
    a, b = np.meshgrid(u, u)
    g = np.stack([a - b, a + b], -1).reshape(-1, 2) / np.sqrt(2)
    y = np.array([[2.0, 0.0], [-1.0, 1.0], [-1.0, -1.0]])
    c = np.linalg.norm(g[:, None] - y[None], axis=-1)
    return float(emd2(np.full(len(g), 1 / len(g)), np.array([0.5, 0.25, 0.25]), c,
                      numItermax=10**8))


def test_exercise_1_with_default_settings():
    """The course's Exercise 1: mu uniform on the square with vertices (0, +-1), (+-1, 0), nu =
    1/2 d(2,0) + 1/4 d(-1,1) + 1/4 d(-1,-1), euclidean cost.  Default step: masses within 1%
    relative (measured 0.2%), W1 within 0.001 of the exact value (measured 4e-4)."""
    sample = make_sampler("polygon:0,1;1,0;0,-1;-1,0", 2, seed=0)
    x = sample(20000)
    assert (x.abs().sum(1) <= 1 + 1e-6).all() and x.mean(0).abs().max() < 0.02
    y = torch.tensor([[2.0, 0.0], [-1.0, 1.0], [-1.0, -1.0]], dtype=torch.float64)
    nu = torch.tensor([0.5, 0.25, 0.25], dtype=torch.float64)
    res = solve(lambda n: sample(n).double(), y, nu, cost="euclidean", steps=5000, batch=64,
                n_eval=400_000)
    assert torch.all((res.masses.double() - nu).abs() <= 0.01 * nu), res.masses
    assert res.cost == pytest.approx(diamond_exact_w1(), abs=1e-3)


def test_a_python_sampler_is_a_source():
    s = make_sampler("numpy.random:rand", 3)  # rand(n) is (n,): refused with its shape
    with pytest.raises(Exception, match=r"returned shape \(5,\)"):
        s(5)


def test_solve_command_on_exercise_1(tmp_path, capsys):
    import json

    from otgan.cli import main

    np.save(tmp_path / "y.npy", np.array([[2.0, 0.0], [-1.0, 1.0], [-1.0, -1.0]]))
    np.savetxt(tmp_path / "w.csv", np.array([2.0, 1.0, 1.0]), delimiter=",")  # normalized
    args = ["solve", "--source", "polygon:0,1;1,0;0,-1;-1,0", "--targets",
            str(tmp_path / "y.npy"), "--cost", "euclidean", "--steps", "2000",
            "--n-eval", "100000", "--out", str(tmp_path / "sol")]
    with pytest.raises(SystemExit) as e:
        main(args + ["--weights", str(tmp_path / "w.csv")])
    assert e.value.code == 0
    record = json.loads((tmp_path / "sol" / "solution.json").read_text())
    assert record["value"] == pytest.approx(1.3418, abs=0.005)
    assert record["max_mass_error"] < 0.01
    np.save(tmp_path / "bad.npy", np.array([1.0, -1.0, 1.0]))
    for extra, needle in ((["--weights", str(tmp_path / "bad.npy")], "non-negative"),
                          (["--source", "polygon:0,1;1,0"], "three 2D vertices")):
        capsys.readouterr()
        with pytest.raises(SystemExit) as e:
            main(args + extra)
        err = capsys.readouterr().err
        assert e.value.code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_solve_command_with_pots_solver(tmp_path):
    import json

    from otgan.cli import main

    np.save(tmp_path / "y.npy", np.array([[0.25, 0.5], [0.75, 0.5]]))
    with pytest.raises(SystemExit) as e:
        main(["solve", "--targets", str(tmp_path / "y.npy"), "--solver", "pot", "--steps", "300",
              "--batch", "128", "--pot-option", "lr0=0.2", "--pot-option", "decreasing_reg=false",
              "--n-eval", "20000", "--out", str(tmp_path / "sol")])
    assert e.value.code == 0
    record = json.loads((tmp_path / "sol" / "solution.json").read_text())
    assert record["solver"] == "pot"
    assert record["pot_options"] == {"lr0": 0.2, "decreasing_reg": False}
    assert record["max_mass_error"] < 0.05  # two halves of the square: psi = 0 is the answer
