"""The generator's input distribution: ``gaussian`` N(0, I_k) (the default) or ``uniform``
U[0, 1]^k (the course's segment generator g(t) = a + t (b - a), t ~ U[0, 1])."""

from __future__ import annotations

import torch

from .specs import LATENTS


def sample_latent(kind: str, shape, *, generator: torch.Generator | None = None,
                  device=None) -> torch.Tensor:
    """Latent codes of ``shape`` from the named distribution (one draw of the given stream)."""
    if kind == "gaussian":
        return torch.randn(shape, generator=generator, device=device)
    if kind == "uniform":
        return torch.rand(shape, generator=generator, device=device)
    raise ValueError(f"latent must be one of {LATENTS}, got {kind!r}")


def latent_quadrature(kind: str, dim: int, n: int, *, seed: int = 0) -> torch.Tensor:
    """About ``n`` latent codes of equal weight whose empirical measure is far closer to the
    named distribution than ``n`` independent draws: a quadrature of it.  For ``dim <= 2``, the
    midpoints of a regular grid of m = round(n^(1/dim)) cells per axis (m^dim codes); above, a
    scrambled Sobol net of n codes (``seed``).  Both are built in U[0, 1]^dim and, for
    ``gaussian``, carried to N(0, I) by the inverse normal CDF, one coordinate at a time.

    What it is for: W(G#rho_n, nu) between the image of the quadrature rho_n and a discrete nu
    converges to W(G#rho, nu) as n grows with far less upward bias than a random sample's
    (|difference| <= W1(G#rho_n, G#rho) for W1, the triangle inequality)."""
    if kind not in LATENTS:
        raise ValueError(f"latent must be one of {LATENTS}, got {kind!r}")
    if dim < 1 or n < 1:
        raise ValueError(f"dim and n must be >= 1, got {dim} and {n}")
    if dim <= 2:
        m = max(1, round(n ** (1.0 / dim)))
        axis = (torch.arange(m, dtype=torch.float64) + 0.5) / m
        u = torch.cartesian_prod(*([axis] * dim)).reshape(-1, dim)
    else:
        u = torch.quasirandom.SobolEngine(dim, scramble=True, seed=seed).draw(
            n, dtype=torch.float64)
    if kind == "gaussian":
        u = torch.special.ndtri(u.clamp(1e-12, 1 - 1e-12))
    return u.float()
