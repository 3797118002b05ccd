"""The semi-discrete lecture's setting: mu uniform on the unit square [0, 1]^2, nu uniform on J
target points, and the exact quantities the figures compare otgan's solver with.

The exact side uses the grid measure mu_n, uniform on the n x n pixel centres of the square (the
quadrature of mu): its cell masses mu_n(L_j), its dual value H_n(psi) = mean over the pixels of
psi^c + sum_j nu_j psi_j, and its exact OT cost by POT's network simplex.  H_n(psi) <= OT(mu_n, nu)
for every psi (weak duality), with equality at the optimum, so H_n is a gap that never goes
negative; n = 100 and n = 200 agree on the cost to 2e-4 (docs/semidiscrete.md).
"""

from __future__ import annotations

import numpy as np
import torch

from ..semidiscrete import assign, c_transform

J = 10  # targets: few enough for readable cells, enough for an uneven Voronoi split
EXTENT = (0.0, 1.0, 0.0, 1.0)


def targets(j: int = J, seed: int = 0, spacing: float = 0.12) -> torch.Tensor:
    """``j`` points drawn uniformly in [0.05, 0.95]^2, each at least ``spacing`` from the
    previous ones (drawn again otherwise), float64, seeded."""
    g = torch.Generator().manual_seed(seed)
    pts: list[torch.Tensor] = []
    while len(pts) < j:
        p = 0.05 + 0.9 * torch.rand(2, generator=g, dtype=torch.float64)
        if all(float((p - q).norm()) >= spacing for q in pts):
            pts.append(p)
    return torch.stack(pts)


def uniform_weights(j: int) -> torch.Tensor:
    return torch.full((j,), 1.0 / j, dtype=torch.float64)


def sampler(seed: int = 0):
    """Fresh draws of mu = U([0, 1]^2), float64."""
    g = torch.Generator().manual_seed(seed)
    return lambda n: torch.rand(n, 2, generator=g, dtype=torch.float64)


def grid(n: int) -> torch.Tensor:
    """The n x n pixel centres of the square, (n * n, 2), row-major in y (image order)."""
    c = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    yy, xx = torch.meshgrid(c, c, indexing="ij")
    return torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)


def cells(psi: torch.Tensor, y: torch.Tensor, cost: str, n: int) -> torch.Tensor:
    """The Laguerre cell index of every pixel, an (n, n) image (psi = 0: the Voronoi cells)."""
    return assign(grid(n), y, psi.to(y), cost=cost)[1].reshape(n, n)


def grid_masses(psi: torch.Tensor, y: torch.Tensor, cost: str, n: int) -> torch.Tensor:
    """mu_n(L_j): the fraction of the pixels in each Laguerre cell."""
    idx = assign(grid(n), y, psi.to(y), cost=cost)[1]
    return torch.bincount(idx, minlength=y.shape[0]).double() / idx.numel()


def c_transform_image(psi: torch.Tensor, y: torch.Tensor, cost: str, n: int) -> torch.Tensor:
    """psi^c(x) = min_j c(x, y_j) - psi_j on the pixels, an (n, n) image."""
    return c_transform(grid(n), y, psi.to(y), cost=cost).reshape(n, n)


def grid_dual(psi: torch.Tensor, y: torch.Tensor, nu: torch.Tensor, cost: str, n: int) -> float:
    """H_n(psi) = mean over the pixels of psi^c + sum_j nu_j psi_j (no sampling error)."""
    psi = psi.to(y)
    return float(c_transform(grid(n), y, psi, cost=cost).mean() + (nu.to(y) * psi).sum())


def exact_cost(y: torch.Tensor, nu: torch.Tensor, cost: str, n: int = 100) -> float:
    """OT(mu_n, nu) by the network simplex (W1 for euclidean, W2^2 for sqeuclidean)."""
    import ot

    x = grid(n).numpy()
    m = ot.dist(x, y.numpy(), metric=cost)
    a = np.full(x.shape[0], 1.0 / x.shape[0])
    return float(ot.emd2(a, nu.double().numpy(), m, numItermax=10**7))
