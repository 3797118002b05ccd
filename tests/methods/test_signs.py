"""Sign checks of every loss on closed-form critics (WGAN forks often got these wrong)."""

import math

import pytest
import torch
from torch import nn

from otgan.methods import METHODS
from tests.conftest import quick_config

WASSERSTEIN = ["wgan-clip", "wgan-gp", "wgan-lp", "sngan"]


class Linear(nn.Module):
    """D(x) = w . x, a critic whose losses have closed forms."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w, dtype=torch.float64))

    def forward(self, x):
        return (x @ self.w).unsqueeze(1)


def clouds(n=64):
    g = torch.Generator().manual_seed(0)
    real = torch.randn(n, 2, generator=g, dtype=torch.float64) * 0.1 + torch.tensor([1.0, 0.0],
                                                                                 dtype=torch.float64)
    fake = torch.randn(n, 2, generator=g, dtype=torch.float64) * 0.1 - torch.tensor([1.0, 0.0],
                                                                                 dtype=torch.float64)
    return real, fake


def method(name, **kw):
    return METHODS[name](quick_config(method=name, **kw))


@pytest.mark.parametrize("name", WASSERSTEIN)
def test_critic_loss_gradient_points_to_real_minus_fake(name):
    # loss = E[D(fake)] - E[D(real)] + penalty; for D(x) = w.x the Wasserstein part has gradient
    # mean(fake) - mean(real) in w: descending it raises the critic on real points.
    real, fake = clouds()
    kw = {"gp_lambda": 0.0} if name in ("wgan-gp", "wgan-lp") else {}
    m = method(name, **kw)
    critic = Linear([0.0, 0.0])
    loss, stats = m.critic_loss(critic, real, fake)
    (g,) = torch.autograd.grad(loss, critic.w)
    expected = fake.mean(0) - real.mean(0)
    assert torch.allclose(g, expected, atol=1e-12)
    assert float(stats["estimate"]) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", WASSERSTEIN)
def test_critic_step_increases_the_estimate(name):
    real, fake = clouds()
    m = method(name, gp_lambda=0.0) if name in ("wgan-gp", "wgan-lp") else method(name)
    critic = Linear([0.1, 0.0])
    before = float(m.critic_loss(critic, real, fake)[1]["estimate"])
    loss, _ = m.critic_loss(critic, real, fake)
    loss.backward()
    with torch.no_grad():
        critic.w -= 0.1 * critic.w.grad
    after = float(m.critic_loss(critic, real, fake)[1]["estimate"])
    assert after > before


@pytest.mark.parametrize("name", WASSERSTEIN)
def test_generator_loss_moves_fake_points_up_the_critic(name):
    # loss_G = -E[D(fake)]: its gradient in each fake point is -w / n, so a descent step moves
    # the fake points along +w, where the critic is higher (towards the real data).
    m = method(name)
    critic = Linear([1.0, 0.0])
    _, fake = clouds()
    fake = fake.clone().requires_grad_(True)
    loss, _ = m.generator_loss(critic, fake)
    (g,) = torch.autograd.grad(loss, fake)
    expected = -critic.w.detach().expand_as(fake) / fake.shape[0]
    assert torch.allclose(g, expected, atol=1e-12)


def test_gan_losses_closed_form_at_zero_logits():
    m = method("gan")
    critic = Linear([0.0, 0.0])  # logits 0 everywhere: D = 1/2
    real, fake = clouds()
    loss, stats = m.critic_loss(critic, real, fake)
    assert float(loss.detach()) == pytest.approx(math.log(4.0), abs=1e-12)  # -V = log 4 at D = 1/2
    assert float(stats["estimate"]) == pytest.approx(0.0, abs=1e-12)  # JS estimate (V+log4)/2


def test_gan_discriminator_step_separates_real_from_fake():
    m = method("gan")
    critic = Linear([0.0, 0.0])
    real, fake = clouds()
    loss, _ = m.critic_loss(critic, real, fake)
    (g,) = torch.autograd.grad(loss, critic.w)
    assert g[0] < 0  # descending raises logits of real (x > 0) and lowers those of fake


@pytest.mark.parametrize("name,saturating", [("gan", True), ("gan-ns", False)])
def test_gan_generator_gradients_and_saturation(name, saturating):
    m = method(name)
    logits = torch.tensor([[-8.0], [0.0]], dtype=torch.float64, requires_grad=True)

    class Identity(nn.Module):
        def forward(self, x):
            return x

    loss, _ = m.generator_loss(Identity(), logits)
    (g,) = torch.autograd.grad(loss, logits)
    sig = torch.sigmoid(logits.detach())
    # saturating: d/dl E[log(1 - D)] = -sigmoid(l)/n ; non-saturating: d/dl -E[log D] = -(1-sigmoid(l))/n
    expected = -(sig if saturating else 1 - sig) / 2
    assert torch.allclose(g, expected, atol=1e-12)
    assert (g < 0).all()  # both push the fake logits up
    # where the discriminator confidently rejects (l = -8), the saturating loss's gradient
    # vanishes while the non-saturating one stays near its maximum.
    if saturating:
        assert abs(float(g[0])) < 1e-3
    else:
        assert abs(float(g[0])) > 0.49


def test_sngan_hinge_loss_closed_form():
    m = method("sngan", sn_loss="hinge")
    critic = Linear([2.0, 0.0])
    real = torch.tensor([[1.0, 0.0], [0.25, 0.0]], dtype=torch.float64)  # D = 2, 0.5
    fake = torch.tensor([[-1.0, 0.0], [0.0, 0.0]], dtype=torch.float64)  # D = -2, 0
    loss, _ = m.critic_loss(critic, real, fake)
    # E[relu(1 - D(real))] + E[relu(1 + D(fake))] = (0 + 0.5)/2 + (0 + 1)/2
    assert float(loss.detach()) == pytest.approx(0.75)


def test_every_method_has_default_and_paper_presets():
    for name, cls in METHODS.items():
        assert {"default", "paper"} <= set(cls.presets), name
