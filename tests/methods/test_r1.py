"""gan-r1: the non-saturating GAN with the R1 penalty on the data, on closed-form critics."""

import math

import pytest
import torch

from tests.methods.helpers import Linear, clouds, method


class Quadratic(torch.nn.Module):
    """l(x) = a |x|^2 / 2: grad l(x) = a x, so the R1 penalty is a^2 E|x|^2."""

    def __init__(self, a: float):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(a, dtype=torch.float64))

    def forward(self, x):
        return (0.5 * self.a * (x * x).sum(-1)).unsqueeze(-1)


@pytest.mark.parametrize("gamma", [0.0, 0.1, 10.0])
def test_loss_is_the_gan_loss_plus_half_gamma_times_the_mean_squared_gradient_on_data(gamma):
    real, fake = clouds()
    w = [0.6, -0.8]  # |grad l| = 1 everywhere: the penalty is exactly 1
    gan, _ = method("gan-ns").critic_loss(Linear(w), real, fake)
    loss, stats = method("gan-r1", r1_gamma=gamma).critic_loss(Linear(w), real, fake)
    assert float(stats["r1_penalty"]) == pytest.approx(1.0, abs=1e-12)
    assert float(loss.detach()) == pytest.approx(float(gan.detach()) + gamma / 2, abs=1e-12)


def test_penalty_reads_the_gradient_at_the_data_only():
    """A quadratic logit: the penalty is a^2 E_data |x|^2, whatever the generated points."""
    real, fake = clouds()
    a = 3.0
    _, stats = method("gan-r1").critic_loss(Quadratic(a), real, fake)
    expected = a * a * float((real * real).sum(1).mean())
    assert float(stats["r1_penalty"]) == pytest.approx(expected, rel=1e-12)
    _, moved = method("gan-r1").critic_loss(Quadratic(a), real, fake * 7)
    assert float(moved["r1_penalty"]) == pytest.approx(expected, rel=1e-12)


def test_penalty_gradient_matches_finite_differences():
    """d/da of gamma/2 a^2 E|x|^2 is gamma a E|x|^2: the penalty's own gradient flows to the
    critic's parameters (a double backward), checked against a central difference."""
    real, fake = clouds()
    gamma, a, h = 10.0, 0.7, 1e-6
    m = method("gan-r1", r1_gamma=gamma)

    def loss(v):
        return float(m.critic_loss(Quadratic(v), real, fake)[0].detach())

    critic = Quadratic(a)
    (g,) = torch.autograd.grad(m.critic_loss(critic, real, fake)[0], critic.a)
    assert float(g) == pytest.approx((loss(a + h) - loss(a - h)) / (2 * h), rel=1e-6)


def test_generator_loss_is_non_saturating_and_js_estimate_saturates_at_log_2():
    m = method("gan-r1")
    x = torch.zeros(10, dtype=torch.float64)
    assert m.estimate(None, x + 50, x - 50)["js_estimate"] == pytest.approx(math.log(2))
    logits = torch.tensor([[-8.0]], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(m.generator_loss(torch.nn.Identity(), logits)[0], logits)
    # -E log D(fake): its gradient stays near -1 where the discriminator rejects (l = -8)
    assert float(g) == pytest.approx(-float(torch.sigmoid(torch.tensor(8.0, dtype=torch.float64))), abs=1e-12)
