"""The GAN discriminator and generator losses in closed form."""

import math

import pytest
import torch

from tests.methods.helpers import Identity, Linear, clouds, method


def test_gan_losses_closed_form_at_zero_logits():
    m = method("gan")
    critic = Linear([0.0, 0.0])  # logits 0 everywhere: D = 1/2
    real, fake = clouds()
    loss, stats = m.critic_loss(critic, real, fake)
    assert float(loss.detach()) == pytest.approx(math.log(4.0), abs=1e-12)  # -V = log 4 at D = 1/2
    assert float(stats["js_estimate"]) == pytest.approx(0.0, abs=1e-12)  # JS estimate (V+log4)/2


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


def test_js_estimate_of_sharp_and_undecided_discriminators():
    m = method("gan")
    x = torch.zeros(10, dtype=torch.float64)
    assert m.estimate(None, x, x)["js_estimate"] == pytest.approx(0.0, abs=1e-12)
    assert m.estimate(None, x + 50, x - 50)["js_estimate"] == pytest.approx(math.log(2), abs=1e-12)
