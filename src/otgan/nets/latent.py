"""The generator's input distribution: ``gaussian`` N(0, I_k) (the default) or ``uniform``
U[0, 1]^k (the course's segment generator g(t) = a + t (b - a), t ~ U[0, 1])."""

from __future__ import annotations

import torch

LATENTS = ("gaussian", "uniform")


def sample_latent(kind: str, shape, *, generator: torch.Generator | None = None,
                  device=None) -> torch.Tensor:
    """Latent codes of ``shape`` from the named distribution (one draw of the given stream)."""
    if kind == "gaussian":
        return torch.randn(shape, generator=generator, device=device)
    if kind == "uniform":
        return torch.rand(shape, generator=generator, device=device)
    raise ValueError(f"latent must be one of {LATENTS}, got {kind!r}")
