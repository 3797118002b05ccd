"""Lipschitz diagnostics against linear critics and spectral-norm bounds."""

import math

import pytest
import torch
from torch import nn

from otgan.metrics.lipschitz import (gradient_norm_stats, layer_spectral_norms,
                                     lipschitz_segments)
from tests.metrics.helpers import linear_critic


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
