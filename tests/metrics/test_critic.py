"""The critic metric: the estimate of the optimal critic, and a method's own estimate."""

import math

import pytest
import torch
from torch import nn

from otgan.methods import METHODS
from otgan.metrics import EvalContext, compute
from tests.conftest import quick_config


def linear_critic(w):
    layer = nn.Linear(2, 1, bias=True)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([w]))
        layer.bias.fill_(0.3)
    return layer


def test_critic_estimate_of_the_optimal_linear_critic_equals_w1():
    # real = fake + t: the 1-Lipschitz critic D(x) = t.x / ||t|| is optimal and estimates W1 =
    # ||t|| exactly.
    fake = torch.randn(500, 2)
    t = torch.tensor([0.3, -0.4])
    ctx = EvalContext(fake=fake, real=fake + t, critic=linear_critic([0.6, -0.8]))
    out = compute(["w1", "critic"], ctx)
    assert out["w1"] == pytest.approx(0.5, abs=1e-6)
    assert out["critic_estimate"] == pytest.approx(0.5, abs=1e-6)
    assert out["critic_ratio"] == pytest.approx(1.0, abs=1e-5)


def test_js_estimate_from_a_discriminator():
    x = torch.zeros(10, 2)
    js = METHODS["gan"](quick_config(method="gan")).estimate
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
