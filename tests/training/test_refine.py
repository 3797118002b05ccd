"""Discriminator optimal transport: the refinement step on critics with known answers."""

import numpy as np
import pytest
import torch
from torch import nn

from otgan.errors import ConfigError
from otgan.training.refine import Refinement, as_refinement, lipschitz_estimate, refine


class Cone(nn.Module):
    """D(x) = -slope |x - a|: its maximizer is a, its Lipschitz constant ``slope``."""

    def __init__(self, a, slope):
        super().__init__()
        self.a, self.slope = torch.tensor(a), slope
        self.w = nn.Parameter(torch.ones(()))  # a parameter that must get no gradient

    def forward(self, x):
        return -self.slope * self.w * (x - self.a).norm(dim=1, keepdim=True)


def test_refinement_moves_samples_to_the_critics_maximizer():
    # |x - y| + 2 |x - a| (k = 1 < slope 2) is smallest at x = a, from every y
    critic = Cone([0.5, -0.25], 2.0)
    y = torch.randn(200, 2, generator=torch.Generator().manual_seed(0))
    x = refine(critic, y, k=1.0, steps=600, lr=0.02)
    assert (x - critic.a).norm(dim=1).max() < 0.02
    assert critic.w.grad is None


def test_a_critic_no_steeper_than_k_moves_nothing_far():
    # slope / k = 1/2 < 1: moving toward a costs more than it gains, x = y is the minimizer
    critic = Cone([0.0, 0.0], 0.5)
    y = torch.tensor([[1.0, 0.0], [0.0, -2.0]])
    x = refine(critic, y, k=1.0, steps=300, lr=0.01)
    assert (x - y).norm(dim=1).max() < 0.02


def test_k_eff_of_a_linear_critic_is_its_slope():
    lin = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[3.0, 4.0]]))  # slope 5 along (0.6, 0.8)
    real = torch.randn(64, 2, generator=torch.Generator().manual_seed(1))
    fake = torch.cat([real[:1] + torch.tensor([[0.6, 0.8]]), real[1:] + 1.0])
    assert lipschitz_estimate(lin, real, fake) == pytest.approx(5.0, rel=1e-6)
    assert lipschitz_estimate(lin, real, real + torch.tensor([[0.8, -0.6]])) <= 5.0 + 1e-5


def test_refinement_values():
    assert as_refinement(None) is None and as_refinement(30) == Refinement(steps=30)
    assert as_refinement({"steps": 5, "k": 2.0}) == Refinement(steps=5, k=2.0)
    with pytest.raises(ConfigError):
        as_refinement({"step": 5})
    with pytest.raises(ConfigError):
        Refinement(lr=0)


def test_run_sample_refines_with_its_critic():
    import otgan

    run = otgan.train(data="8gaussians", method="wgan-gp", steps=30, seed=0, eval_every=0,
                      metrics="w1", progress=False)
    plain = run.sample(300, seed=3)
    assert np.array_equal(run.sample(300, seed=3, refine=0), plain)
    moved = run.sample(300, seed=3, refine={"steps": 20, "k": 1e-3})  # tiny k: the critic rules
    assert moved.shape == plain.shape and np.abs(moved - plain).max() > 0.05
    again = run.sample(300, seed=3, refine={"steps": 20, "k": 1e-3})
    assert np.array_equal(moved, again)
    assert run.critic_slope() > 0
