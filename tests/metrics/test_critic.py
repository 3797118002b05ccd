"""The critic metric: the estimate of the optimal critic, and a method's own estimate."""

import math

import pytest
import torch

from otgan.methods import IMPLEMENTATIONS
from otgan.metrics import EvalContext, compute
from tests.conftest import quick_config
from tests.metrics.helpers import linear_critic


def test_critic_estimate_of_the_optimal_linear_critic_equals_w1():
    # real = fake + t: the 1-Lipschitz critic D(x) = t.x / ||t|| is optimal and estimates W1 =
    # ||t|| exactly.
    fake = torch.randn(500, 2)
    t = torch.tensor([0.3, -0.4])
    ctx = EvalContext(fake=fake, real=fake + t, critic=linear_critic([0.6, -0.8]))
    out = compute(["w1", "critic"], ctx)
    assert out["w1"] == pytest.approx(0.5, abs=1e-6)
    assert out["critic_gap"] == pytest.approx(0.5, abs=1e-6)
    assert out["w_estimate"] == pytest.approx(0.5, abs=1e-6)
    assert out["w_ratio"] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("k", [0.01, 3.5])
def test_a_critic_of_slope_k_has_gap_k_w1_and_estimates_w1(k):
    # weight clipping's K, or the slope a small gradient penalty lets grow: the gap is K * W1,
    # shown under its own name; the estimate of W1 divides it by the slope on the data
    fake = torch.randn(500, 2)
    t = torch.tensor([0.3, -0.4])
    ctx = EvalContext(fake=fake, real=fake + t, critic=linear_critic([0.6 * k, -0.8 * k]))
    out = compute(["w1", "critic"], ctx)
    assert out["critic_gap"] == pytest.approx(0.5 * k, rel=1e-5)
    assert out["w_critic_slope"] == pytest.approx(k, rel=1e-5)
    assert out["w_estimate"] == pytest.approx(0.5, rel=1e-5)


def test_the_estimating_critic_is_read_when_given():
    fake = torch.randn(200, 2)
    ctx = EvalContext(fake=fake, real=fake + torch.tensor([0.3, -0.4]),
                      critic=linear_critic([0.0, 0.0]),
                      w_critic=lambda: linear_critic([1.2, -1.6]))
    out = compute(["critic"], ctx)
    assert out["critic_gap"] == pytest.approx(0.0, abs=1e-6)  # the training critic: flat
    assert out["w_estimate"] == pytest.approx(0.5, rel=1e-5)  # the refined one: slope 2


def test_js_estimate_from_a_discriminator():
    x = torch.zeros(10, 2)
    gan = IMPLEMENTATIONS["gan"](quick_config(method="gan"))

    def js(critic, s_real, s_fake):
        return gan.estimate(critic, s_real, s_fake)
    undecided = EvalContext(fake=x, real=x, critic=linear_critic([0.0, 0.0]), estimates="JS",
                            estimate=js)
    with torch.no_grad():
        undecided.critic.bias.zero_()
    assert compute(["critic"], undecided)["js_estimate"] == pytest.approx(0.0, abs=1e-12)
    # disjoint supports and a sharp discriminator: JS -> log 2
    sharp = EvalContext(fake=x - 1, real=x + 1, critic=linear_critic([50.0, 0.0]),
                        estimates="JS", estimate=js)
    with torch.no_grad():
        sharp.critic.bias.zero_()
    assert compute(["critic"], sharp)["js_estimate"] == pytest.approx(math.log(2), abs=1e-6)
