"""Closed-form critics and point clouds shared by the method tests."""

import torch
from torch import nn

from otgan.methods import IMPLEMENTATIONS
from tests.conftest import quick_config


class Linear(nn.Module):
    """D(x) = w . x, a critic whose losses have closed forms."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w, dtype=torch.float64))

    def forward(self, x):
        return (x @ self.w).unsqueeze(1)


class Identity(nn.Module):
    def forward(self, x):
        return x


def clouds(n=64):
    g = torch.Generator().manual_seed(0)
    shift = torch.tensor([1.0, 0.0], dtype=torch.float64)
    real = torch.randn(n, 2, generator=g, dtype=torch.float64) * 0.1 + shift
    fake = torch.randn(n, 2, generator=g, dtype=torch.float64) * 0.1 - shift
    return real, fake


def method(name, **kw):
    return IMPLEMENTATIONS[name](quick_config(method=name, **kw))
