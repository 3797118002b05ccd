"""Closed-form critics shared by the metric tests."""

import torch
from torch import nn


def linear_critic(w):
    """D(x) = w . x + 0.3: slope ||w|| everywhere, gap w . (mean real - mean fake)."""
    layer = nn.Linear(2, 1, bias=True)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([w]))
        layer.bias.fill_(0.3)
    return layer
