"""Critic estimate, Lipschitz diagnostics and mode coverage against known answers."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from otgan.methods import METHODS
from otgan.metrics import EvalContext, compute, mode_coverage
from otgan.metrics.lipschitz import (gradient_norm_stats, layer_spectral_norms,
                                     lipschitz_segments)
from tests.conftest import quick_config


def linear_critic(w):
    layer = nn.Linear(2, 1, bias=True)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([w]))
        layer.bias.fill_(0.3)
    return layer


def test_lipschitz_estimates_of_a_linear_function_are_its_slope():
    D = linear_critic([3.0, 4.0])  # ||w|| = 5
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(50, 2, generator=g), torch.randn(60, 2, generator=g) + 2
    seg = lipschitz_segments(D, x, y, generator=g)
    for key in ("lip_mean", "lip_max", "lip_median", "lip_q99"):
        assert seg[key] == pytest.approx(5.0, rel=1e-6)
    assert seg["lip_frac_above_1"] == 1.0
    stats = gradient_norm_stats(D, x[:50], y[:50], generator=g)
    assert stats["gnorm_interp"] == pytest.approx(5.0, rel=1e-6)
    assert layer_spectral_norms(D) == {"layer": pytest.approx(5.0)}


def test_segment_estimate_caps_the_number_of_pairs():
    D = linear_critic([0.6, 0.8])
    x = torch.randn(1000, 2)
    seg = lipschitz_segments(D, x, x + 1, max_pairs=400)  # 20 x 20 pairs
    assert seg["lip_max"] == pytest.approx(1.0, rel=1e-6)


def test_spectral_norms_of_a_network_bound_its_lipschitz_constant():
    torch.manual_seed(0)
    D = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1))
    sig = layer_spectral_norms(D)
    assert set(sig) == {"0", "2"}
    seg = lipschitz_segments(D, torch.randn(40, 2) * 3, torch.randn(40, 2) * 3)
    assert seg["lip_max"] <= math.prod(sig.values()) + 1e-6


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


def test_mode_coverage():
    centres = np.array([[float(i), 0.0] for i in range(8)])
    sigma = 0.01
    on_three = np.repeat(centres[:3], 10, axis=0) + 0.001
    out = mode_coverage(on_three, centres, sigma)
    assert out["modes_covered"] == 3 and out["high_quality_pct"] == 100.0
    assert out["mode_kl"] == pytest.approx(math.log(8 / 3))
    balanced = np.repeat(centres, 5, axis=0)
    assert mode_coverage(balanced, centres, sigma)["mode_kl"] == pytest.approx(0.0)
    far = centres + 0.5
    out = mode_coverage(far, centres, sigma)
    assert out["modes_covered"] == 0 and out["high_quality_pct"] == 0 and out["mode_kl"] is None
    half = np.concatenate([balanced, far])  # 40 good, 8 bad
    assert mode_coverage(half, centres, sigma)["high_quality_pct"] == pytest.approx(100 * 40 / 48)
