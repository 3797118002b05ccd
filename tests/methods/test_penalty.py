"""The gradient penalty against finite differences and closed forms."""

import pytest
import torch
from torch import nn

from otgan.methods.penalty import critic_input_gradients, gradient_penalty, interpolates
from otgan.methods import IMPLEMENTATIONS
from tests.conftest import quick_config


def smooth_critic(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 1)).double()


def points(n=8, seed=1):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, 2, generator=g, dtype=torch.float64),
            torch.randn(n, 2, generator=g, dtype=torch.float64) + 1)


def test_input_gradient_matches_central_differences():
    D = smooth_critic()
    real, fake = points()
    x_hat = interpolates(real, fake)
    _, _, grad = critic_input_gradients(D, real, fake, x_hat)
    h = 1e-6
    fd = torch.zeros_like(x_hat)
    with torch.no_grad():
        for j in range(2):
            e = torch.zeros(2, dtype=torch.float64)
            e[j] = h
            fd[:, j] = (D(x_hat + e) - D(x_hat - e)).squeeze(1) / (2 * h)
    assert torch.allclose(grad, fd, atol=1e-8)


@pytest.mark.parametrize("one_sided", [False, True])
def test_penalty_parameter_gradient_matches_finite_differences(one_sided):
    # The double backward through grad_x D must give d(penalty)/d(theta) exactly.
    D = smooth_critic()
    with torch.no_grad():  # make some gradient norms exceed 1 so the one-sided branch is active
        D[0].weight.mul_(3.0)
    real, fake = points()
    torch.manual_seed(5)
    x_hat = interpolates(real, fake)

    def penalty():
        _, _, grad = critic_input_gradients(D, real, fake, x_hat)
        return gradient_penalty(grad, one_sided)[0]

    p = D[2].weight
    (analytic,) = torch.autograd.grad(penalty(), p)
    h = 1e-6
    for idx in [(0, 0), (3, 7), (15, 15)]:
        with torch.no_grad():
            p[idx] += h
        up = float(penalty().detach())
        with torch.no_grad():
            p[idx] -= 2 * h
        down = float(penalty().detach())
        with torch.no_grad():
            p[idx] += h
        assert float(analytic[idx]) == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-9)


def test_penalty_closed_form_for_a_linear_critic():
    # D(x) = w.x has ||grad D|| = ||w|| everywhere.
    for norm, two, one in [(0.5, 0.25, 0.0), (1.0, 0.0, 0.0), (3.0, 4.0, 4.0)]:
        grad = torch.tensor([[norm, 0.0]] * 4, dtype=torch.float64)
        assert float(gradient_penalty(grad, False)[0]) == pytest.approx(two)
        assert float(gradient_penalty(grad, True)[0]) == pytest.approx(one)


def test_interpolates_lie_on_segments_uniformly():
    torch.manual_seed(0)
    real = torch.zeros(20000, 2)
    fake = torch.ones(20000, 2)
    x = interpolates(real, fake)
    assert torch.allclose(x[:, 0], x[:, 1])  # one alpha per sample, shared across coordinates
    assert 0 <= float(x.min()) and float(x.max()) <= 1
    assert float(x[:, 0].mean()) == pytest.approx(0.5, abs=0.01)
    assert float(x[:, 0].var()) == pytest.approx(1 / 12, abs=0.005)


@pytest.mark.parametrize("name", ["wgan-gp", "wgan-lp"])
def test_critic_loss_adds_lambda_times_penalty(name):
    D = smooth_critic()
    real, fake = points()
    cfg = quick_config(method=name, gp_lambda=7.0)
    m = IMPLEMENTATIONS[name](cfg)
    torch.manual_seed(3)
    loss, stats = m.critic_loss(D, real, fake)
    base = D(fake).mean() - D(real).mean()
    assert float(loss.detach()) == pytest.approx(float(base.detach()) + 7.0 * float(stats["penalty"]),
                                              rel=1e-10)


def test_gradient_penalty_rejects_batchnorm_critic():
    from otgan import train
    from otgan.errors import ConfigError

    G = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    D = nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
    with pytest.raises(ConfigError, match="BatchNorm"):
        train(data=torch.randn(500, 2), generator=G, critic=D, method="wgan-gp", steps=1)
