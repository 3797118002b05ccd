"""The contract every registered method keeps: signs of the Wasserstein losses on closed-form
critics (WGAN forks often got these wrong), presets, and the (loss, stats) signatures."""

import pytest
import torch

from otgan.methods import IMPLEMENTATIONS, METHODS, Wasserstein
from tests.methods.helpers import Linear, clouds, method

WASSERSTEIN = [n for n, cls in IMPLEMENTATIONS.items() if issubclass(cls, Wasserstein)]
NETWORK_CRITICS = [n for n, cls in IMPLEMENTATIONS.items() if not cls.critic_from_data]


def _no_penalty(name):
    return {"gp_lambda": 0.0} if "gp_lambda" in METHODS[name].params else {}


@pytest.mark.parametrize("name", WASSERSTEIN)
def test_critic_loss_gradient_points_to_real_minus_fake(name):
    # loss = E[D(fake)] - E[D(real)] + penalty; for D(x) = w.x the Wasserstein part has gradient
    # mean(fake) - mean(real) in w: descending it raises the critic on real points.
    real, fake = clouds()
    m = method(name, **_no_penalty(name))
    critic = Linear([0.0, 0.0])
    loss, stats = m.critic_loss(critic, real, fake)
    (g,) = torch.autograd.grad(loss, critic.w)
    expected = fake.mean(0) - real.mean(0)
    assert torch.allclose(g, expected, atol=1e-12)
    assert float(stats["critic_gap"]) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", WASSERSTEIN)
def test_critic_step_increases_the_estimate(name):
    real, fake = clouds()
    m = method(name, **_no_penalty(name))
    critic = Linear([0.1, 0.0])
    before = float(m.critic_loss(critic, real, fake)[1]["critic_gap"])
    loss, _ = m.critic_loss(critic, real, fake)
    loss.backward()
    with torch.no_grad():
        critic.w -= 0.1 * critic.w.grad
    after = float(m.critic_loss(critic, real, fake)[1]["critic_gap"])
    assert after > before


@pytest.mark.parametrize("name", WASSERSTEIN)
def test_generator_loss_moves_fake_points_up_the_critic(name):
    # loss_G = -E[D(fake)]: its gradient in each fake point is -w / n, so a descent step moves
    # the fake points along +w, where the critic is higher (towards the real data).
    m = method(name)
    critic = Linear([1.0, 0.0])
    _, fake = clouds()
    fake = fake.clone().requires_grad_(True)
    loss, stats = m.generator_loss(critic, fake)
    (g,) = torch.autograd.grad(loss, fake)
    expected = -critic.w.detach().expand_as(fake) / fake.shape[0]
    assert torch.allclose(g, expected, atol=1e-12)
    assert isinstance(stats, dict)


@pytest.mark.parametrize("name", NETWORK_CRITICS)
def test_every_generator_loss_pulls_fake_scores_up(name):
    # whatever the objective, a generator step raises the critic's score of generated points
    # (lsgan: towards c = 0 from below), and every loss returns (loss, stats)
    m = method(name)
    scores = torch.full((8, 1), -0.5, dtype=torch.float64, requires_grad=True)
    loss, stats = m.generator_loss(lambda x: x, scores)
    (g,) = torch.autograd.grad(loss, scores)
    assert (g < 0).all() and isinstance(stats, dict)


def test_every_method_has_default_and_paper_presets():
    for name, spec in METHODS.items():
        assert {"default", "paper"} <= set(spec.presets), name


@pytest.mark.parametrize("name", [n for n, c in IMPLEMENTATIONS.items() if c.batchable])
def test_batched_losses_are_the_single_losses_of_each_member(name):
    # a method built with batched=True on (K, n, d) stacks computes, per member, what the
    # single-run method computes on that member's (n, d) batch
    from otgan.methods import make_method
    from tests.conftest import quick_config

    cfg = quick_config(method=name)
    single, batched = make_method(cfg), make_method(cfg, batched=True)
    torch.manual_seed(0)
    D = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    real, fake = torch.randn(3, 16, 2), torch.randn(3, 16, 2) + 1
    noise = [single.critic_noise(real[k], torch.Generator().manual_seed(k)) for k in range(3)]
    stacked_noise = None if noise[0] is None else torch.stack(noise)
    loss_k, _ = batched.critic_loss(D, real, fake, stacked_noise)
    gen_k, _ = batched.generator_loss(D, fake)
    loss_k, gen_k = loss_k.detach(), gen_k.detach()
    assert loss_k.shape == gen_k.shape == (3,)
    for k in range(3):
        loss = single.critic_loss(D, real[k], fake[k], noise[k])[0].detach()
        gen = single.generator_loss(D, fake[k])[0].detach()
        assert float(loss_k[k]) == pytest.approx(float(loss), rel=1e-5, abs=1e-6)
        assert float(gen_k[k]) == pytest.approx(float(gen), rel=1e-5, abs=1e-6)
