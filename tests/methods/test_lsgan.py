"""The least-squares GAN: its losses and its Le Cam estimate in closed form."""

import pytest
import torch

from otgan.errors import ConfigError
from tests.conftest import quick_config
from tests.methods.helpers import Identity, method


def test_discriminator_loss_and_le_cam_estimate_at_known_scores():
    m = method("lsgan", ls_a=-1.0, ls_b=1.0, ls_c=0.0)
    n = 6
    sharp_real, sharp_fake = torch.ones(n, 1), -torch.ones(n, 1)
    loss, stats = m.critic_loss(Identity(), sharp_real, sharp_fake)
    assert float(loss) == pytest.approx(0.0)  # perfect separation: disjoint supports
    assert float(stats["lc_estimate"]) == pytest.approx(1.0)  # Le Cam divergence of disjoint laws
    undecided = torch.zeros(n, 1)  # D = (a + b) / 2 everywhere, the optimum for p = q
    loss, stats = m.critic_loss(Identity(), undecided, undecided)
    assert float(loss) == pytest.approx(1.0)  # 1/2 (0 - 1)^2 + 1/2 (0 + 1)^2
    assert float(stats["lc_estimate"]) == pytest.approx(0.0)
    assert m.estimate(None, sharp_real.reshape(-1), sharp_fake.reshape(-1))["lc_estimate"] == \
        pytest.approx(1.0)


def test_le_cam_estimate_of_the_optimal_discriminator_on_known_densities():
    # p = U[0, 1], q = U[0.5, 1.5]: D* = (b p + a q)/(p + q) is b on [0, .5), a on (1, 1.5] and
    # (a + b)/2 on the overlap, where LC = 1/2 int (p - q)^2/(p + q) = 1/2 (0.5 + 0.5) = 0.5
    m = method("lsgan", ls_a=0.0, ls_b=1.0, ls_c=1.0)
    x = torch.linspace(0, 1, 200001)[:-1]
    y = x + 0.5

    def d_star(t):
        return torch.where(t < 0.5, 1.0, torch.where(t > 1.0, 0.0, 0.5))

    assert m.estimate(None, d_star(x), d_star(y))["lc_estimate"] == pytest.approx(0.5, abs=1e-4)


def test_generator_pulls_scores_towards_c():
    m = method("lsgan", ls_c=1.0, ls_a=0.0, ls_b=1.0)
    scores = torch.tensor([[0.0], [2.0]], requires_grad=True)
    loss, _ = m.generator_loss(Identity(), scores)
    (g,) = torch.autograd.grad(loss, scores)
    assert torch.allclose(g, torch.tensor([[-0.5], [0.5]]))  # (D - c) / n


def test_equal_targets_are_refused():
    with pytest.raises(ConfigError, match="ls_a and ls_b must differ"):
        quick_config(method="lsgan", ls_a=1.0, ls_b=1.0)
    with pytest.raises(ConfigError, match="ls_a does not apply to method wgan-gp"):
        quick_config(method="wgan-gp", ls_a=0.0)
