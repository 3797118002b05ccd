"""AE-OT's latent map on cases with a closed form: the dual solved by the method's own step
(averaged SGD on the codes), the Laguerre cells of a uniform source, the extension between
neighbouring codes and the singular set; then short runs through the training loop."""

import math

import pytest
import torch

import otgan
from otgan.methods import IMPLEMENTATIONS
from otgan.rundir import RunDir
from otgan.semidiscrete import LatentDual, LatentOT, extend, normal_angle
from tests.conftest import quick_config
from tests.training.test_fit import assert_same_state, final_weights


def solved_dual(codes, weights=None, steps=3000, batch=256, gamma=3.0, seed=0):
    """A LatentDual over ``codes`` solved for the uniform law on the unit cube by the ae-ot
    method's own dual step (``make_critic_optimizer``, ``critic_loss``)."""
    J, d = codes.shape
    m = IMPLEMENTATIONS["ae-ot"](quick_config(method="ae-ot", batch_size=batch, sd_gamma=gamma))
    dual = LatentDual(J, d, weights)
    m.critic = dual
    dual.set_codes(codes)
    opt = m.make_critic_optimizer(dual)
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        loss, _ = m.critic_loss(dual, None, torch.rand(batch, d, generator=g))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return dual


def test_1d_cells_are_the_intervals_between_cumulative_weights():
    # the monotone map of U[0, 1] onto J points: cell j is [W_{j-1}, W_j], W the cumulative
    # weights in the points' order, wherever the points are
    y = torch.tensor([[0.7], [0.1], [0.45], [0.9], [0.25]])
    nu = torch.tensor([0.1, 0.3, 0.15, 0.25, 0.2])
    dual = solved_dual(y, nu, steps=4000)
    order = y[:, 0].argsort()
    bounds = nu[order].cumsum(0)[:-1]
    z = torch.linspace(0.0005, 0.9995, 1000)[:, None]
    cells = dual.assign(z)
    # the cells come in the points' order, and change where the cumulative weights say
    assert torch.equal(cells.unique_consecutive(), order)
    found = z[1:, 0][cells[1:] != cells[:-1]]
    assert torch.allclose(found, bounds, atol=0.01), (found, bounds)


def test_2d_grid_cells_are_the_grid_squares():
    # equal weights on a k x k grid: the map is coordinatewise monotone, cell (a, b) is the
    # square [a/k, (a+1)/k] x [b/k, (b+1)/k]
    k = 4
    axis = (torch.arange(k) + 0.5) / k
    y = torch.cartesian_prod(axis, axis)
    dual = solved_dual(y, steps=4000)
    g = torch.Generator().manual_seed(5)
    z = torch.rand(20000, 2, generator=g)
    expected = (z * k).floor().long().clamp(max=k - 1)
    got = y[dual.assign(z)]
    want = axis[expected]
    agree = (got == want).all(1).float().mean()
    assert agree > 0.97, float(agree)  # disagreement only in a thin band along the boundaries
    masses = dual.cell_masses(z)
    assert float((masses - 1 / k**2).abs().max()) < 0.2 / k**2


def test_an_extended_sample_lies_on_the_segment_between_its_two_codes():
    g = torch.Generator().manual_seed(1)
    y = torch.rand(50, 3, generator=g)
    psi = torch.randn(50, generator=g) * 0.05
    z = torch.rand(2000, 3, generator=g)
    for blend in (0.25, 0.5, 1.0):
        x, i, j, w = extend(z, y, psi, blend, math.pi, chunk=7)  # chunks merged: 7 < 50
        assert (w >= 0).all() and (w <= blend + 1e-6).all() and (w > 0).any()
        assert torch.allclose(x, y[i] + w[:, None] * (y[j] - y[i]), atol=1e-6)
        # i, j: the two highest planes, found in chunks as in one block
        u = z @ y.T + (psi - (y * y).sum(1)) / 2
        top = u.topk(2, dim=1).indices
        assert torch.equal(i, top[:, 0]) and torch.equal(j, top[:, 1])
    # deep in a cell (the plane of j as far below as the third's) the sample is the code
    x, i, j, w = extend(z, y, psi, 0.0, math.pi)
    assert torch.equal(x, y[i]) and (w == 0).all()


def test_the_singular_set_cuts_the_map_between_two_far_clusters():
    # two clusters of codes far apart in the cube: the pairs across them make large angles, so
    # no extended sample falls between the clusters; without the cut, some do
    g = torch.Generator().manual_seed(2)
    a = torch.tensor([0.15, 0.15]) + 0.05 * torch.rand(20, 2, generator=g)
    b = torch.tensor([0.80, 0.80]) + 0.05 * torch.rand(20, 2, generator=g)
    codes = torch.cat([a, b])
    dual = solved_dual(codes, steps=2000)
    y = dual.y
    across = normal_angle(y[:20, None, :].expand(20, 20, 2), y[None, 20:, :].expand(20, 20, 2))
    within = normal_angle(y[:20, None, :].expand(20, 20, 2), y[None, :20, :].expand(20, 20, 2))
    threshold = 0.1
    assert float(across.min()) > threshold > float(within.max())
    z = torch.rand(20000, 2, generator=g)

    def between(angle):
        x = dual.extend(z, 0.5, angle)[0]
        t = ((x - y[:20].mean(0)) @ (y[20:].mean(0) - y[:20].mean(0))) / (
            y[20:].mean(0) - y[:20].mean(0)).pow(2).sum()
        return int(((t > 0.25) & (t < 0.75)).sum())  # the middle of the gap

    assert between(threshold) == 0
    assert between(math.pi) > 0  # near the facet between the clusters' cells
    # each cluster keeps its share of the latent law: no mode dropped
    cells = dual.assign(z)
    assert abs(float((cells < 20).float().mean()) - 0.5) < 0.02


def test_the_codes_travel_with_the_dual_and_the_generator_reads_them():
    dual = LatentDual(6, 2)
    dual.set_codes(torch.tensor([[0.0, 0.0], [4.0, 0.0], [0.0, 2.0], [4.0, 2.0], [2.0, 1.0],
                                 [1.0, 1.0]]))
    assert float(dual.y.min()) == 0.0 and float(dual.y.max()) == 1.0  # one factor: 4
    assert torch.allclose(dual.denormalize(dual.y)[1], torch.tensor([4.0, 0.0]))
    again = LatentDual(6, 2)
    again.load_state_dict(dual.state_dict())
    assert bool(again.ready) and torch.equal(again.y_sq, dual.y_sq)
    G = LatentOT(torch.nn.Identity(), torch.nn.Identity(), again, blend=0.0)
    # blend 0: the decoder reads the code of the latent point's cell, in encoder coordinates
    assert torch.allclose(G(torch.tensor([[0.02, 0.02], [0.98, 0.02]])),
                          torch.tensor([[0.0, 0.0], [4.0, 0.0]]))
    import copy
    assert copy.deepcopy(G).dual is again  # the EMA copy reads the same dual


def test_a_run_trains_the_autoencoder_then_balances_the_cells(tmp_path):
    kw = dict(method="ae-ot", steps=700, aeot_ae_steps=400, n_train=300, batch_size=128,
              eval_every=700, metrics="w1,partition", seed=0)
    run = otgan.train(quick_config(**kw), out=tmp_path / "r")
    rec = [r for r in RunDir(tmp_path / "r").read_metrics() if r.get("eval")][-1]
    logged = [r for r in RunDir(tmp_path / "r").read_metrics() if not r.get("eval")]
    assert rec["sd_mass_tv"] < 0.15 and rec["sd_empty_cells"] == 0
    assert 0 < rec["sd_dual"] < 0.1  # W2^2 from the unit square to codes inside it
    assert rec["w1"] < 0.2  # the ring (radius 1), from 300 training points
    assert logged[0]["recon_mse"] > 10 * logged[-1]["recon_mse"]
    assert "latent_dual" not in logged[0] and "latent_dual" in logged[-1]  # the two phases
    assert run.sample(5).shape == (5, 2)


@pytest.mark.parametrize("cut", [6, 10])  # before and after the codes are taken (at 8)
def test_resumed_across_the_codes_equals_uninterrupted(tmp_path, cut):
    kw = dict(method="ae-ot", steps=16, aeot_ae_steps=8, n_train=200, n_critic=2,
              log_every=4, eval_every=0, checkpoint_every=4, metrics="w1")
    otgan.train(quick_config(**kw), out=tmp_path / "full")
    otgan.train(quick_config(**{**kw, "steps": cut}), out=tmp_path / "cut")
    otgan.resume(tmp_path / "cut", {"steps": 16})
    assert_same_state(final_weights(tmp_path / "full"), final_weights(tmp_path / "cut"))
    a = otgan.load_run(tmp_path / "full").sample(50, seed=3)
    b = otgan.load_run(tmp_path / "cut").sample(50, seed=3)
    assert (a == b).all()
