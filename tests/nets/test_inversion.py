"""Latent inversion by optimization recovers the codes of generated points."""

import torch
from torch import nn

from otgan.nets.inversion import invert


def test_inversion_recovers_the_codes_of_a_linear_generator():
    # G(z) = A z + c, A (16 x 4) of full column rank: argmin ||G(z) - G(z*)||^2 = z*, a convex
    # problem; 500 Adam steps from z = 0 reach it within 1e-3 per coordinate
    g = torch.Generator().manual_seed(0)
    G = nn.Linear(4, 16)
    with torch.no_grad():
        G.weight.copy_(torch.randn(16, 4, generator=g))
        G.bias.copy_(torch.randn(16, generator=g))
    z = torch.randn(256, 4, generator=g)
    with torch.no_grad():
        x = G(z)
    found = invert(G, x, 4)
    assert found.shape == z.shape
    assert (found - z).abs().max() < 1e-3
    assert not any(p.requires_grad is False for p in G.parameters())  # G left as it was


def test_inversion_recovers_the_codes_of_an_injective_nonlinear_generator():
    # G(z) = [z, tanh(B z)] (injective, non-linear): the codes of 128 samples within 1e-3
    g = torch.Generator().manual_seed(1)
    B = torch.randn(6, 3, generator=g)

    class G(nn.Module):
        def forward(self, z):
            return torch.cat([z, torch.tanh(z @ B.T)], 1)

    z = torch.randn(128, 3, generator=g)
    found = invert(G(), G()(z), 3)
    assert (found - z).abs().max() < 1e-3


def test_uniform_codes_stay_in_the_unit_cube_and_chunks_agree():
    g = torch.Generator().manual_seed(2)
    G = nn.Linear(2, 5)
    z = torch.rand(40, 2, generator=g)
    with torch.no_grad():
        x = G(z)
    whole = invert(G, x, 2, latent="uniform")
    parts = invert(G, x, 2, latent="uniform", chunk=16)
    assert whole.min() >= 0 and whole.max() <= 1
    assert torch.equal(whole, parts)
    assert (whole - z).abs().max() < 1e-3
