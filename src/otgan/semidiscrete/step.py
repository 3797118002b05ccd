"""The dual step of averaged SGD on the semi-dual, derived from the problem's scales.

The semi-dual H(psi) = E_mu[psi^c] + sum_j nu_j psi_j has gradient dH/dpsi_j = nu_j - mu(L_j):
of order nu_j (1/J for uniform weights), so a step that ignores nu_j moves psi J times slower
when J grows.  Raising psi_j by delta moves the boundary between L_j and a neighbour L_k by
delta / |grad_x (c(x, y_j) - c(x, y_k))|; a cell of mass m and width w then gains about
m delta / (w |grad|).  A relative mass error e_j = (mu(L_j) - nu_j) / nu_j is undone by

    delta_j = s * e_j,    s = w |grad(c_j - c_k)|   (euclidean: ~ d;  sqeuclidean: ~ 2 d^2)

with d the distance between neighbouring targets (w ~ d once mu is close to nu).  In terms of
the gradient, delta_j = s (nu_j - mu(L_j)) / nu_j: a diagonal (Newton-like) preconditioner
P_j = s / nu_j times a dimensionless step gamma ~ 1.  On a batch of B samples the estimate of
mu(L_j) moves in steps of 1/B, so one hit of a cell with nu_j < 1/B would move psi_j by
s / (B nu_j) >> s: P_j = s / max(nu_j, 1/B) caps the move per sample at gamma * s
(derivation and measurements: docs/semidiscrete.md).
"""

from __future__ import annotations

import torch


@torch.no_grad()
def cost_scale(y: torch.Tensor, cost: str, n: int = 512, seed: int = 0) -> float:
    """s: the mean over (up to ``n``) targets of the cost scale to their nearest other target,
    d for the euclidean cost and 2 d^2 for the squared one; 1.0 when no two targets differ."""
    y = y.reshape(y.shape[0], -1).float()
    if y.shape[0] < 2:
        return 1.0
    g = torch.Generator(device=y.device).manual_seed(seed)  # not a training stream
    rows = y[torch.randperm(y.shape[0], generator=g, device=y.device)[:n]]
    sq = torch.cdist(rows, y).pow_(2)
    sq[sq <= 0] = float("inf")  # the target itself and its duplicates
    nearest = sq.min(1).values
    nearest = nearest[torch.isfinite(nearest)]
    if nearest.numel() == 0:
        return 1.0
    scale = nearest.sqrt().mean() if cost == "euclidean" else 2.0 * nearest.mean()
    return float(scale)


def dual_preconditioner(nu: torch.Tensor, scale: float, batch: int) -> torch.Tensor:
    """P_j = scale / max(nu_j, 1 / batch), the per-target step of the dual."""
    return scale / nu.clamp_min(1.0 / batch)
