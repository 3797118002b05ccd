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

from .ctransform import assign


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


class MultiscalePreconditioner:
    """The dual step on a hierarchy of clusters of the targets (Merigot 2011's multiscale idea
    applied to the step of averaged SGD):

        P g = sum_l  R_l^T  diag(s_l / max(nu_K, 1/B))  R_l g

    Level 0 is the targets themselves (``dual_preconditioner``); level l >= 1 groups them into
    about J / ratio^l clusters, each target in the cluster of its nearest centre, R_l summing a
    target vector over each cluster (so R_l g = nu_K - mu(union of the cluster's cells)), s_l the
    cost scale between the level's centres.  A cluster whose mass is off by a relative e moves
    all its targets' psi together by about s_l e: mass flows between clusters far apart (the modes
    of a mixture, a generator that starts as a blob) at the distance that separates them, while
    the within-cluster balance is untouched by the coarse levels' noise.  P is fixed, symmetric
    and positive definite, so averaged SGD keeps its guarantees."""

    def __init__(self, levels):
        #: [(labels (J,) long, factor per cluster (K,))], level 0 first
        self.levels = levels

    def __call__(self, g: torch.Tensor) -> torch.Tensor:
        out = torch.zeros_like(g)
        for labels, factor in self.levels:
            summed = torch.zeros(factor.shape[0], dtype=g.dtype, device=g.device)
            summed.index_add_(0, labels, g)
            out += (factor * summed)[labels]
        return out


@torch.no_grad()
def multiscale_preconditioner(y: torch.Tensor, nu: torch.Tensor, cost: str, batch: int,
                              scale: float | None = None, ratio: int = 8,
                              seed: int = 0) -> MultiscalePreconditioner:
    """The levels of ``MultiscalePreconditioner`` for targets ``y`` (J, ...) with weights ``nu``:
    centres of level l are J // ratio^l targets chosen by farthest-point sampling (seeded; a
    seeded random sample when that would cost more than ``FARTHEST_POINT_BUDGET``), down to 2
    clusters; ``scale`` fixes level 0's s (None: ``cost_scale``)."""
    yf = y.reshape(y.shape[0], -1).float()
    J = yf.shape[0]
    s0 = cost_scale(yf, cost) if scale is None else float(scale)
    levels = [(torch.arange(J, device=yf.device), dual_preconditioner(nu, s0, batch))]
    d0 = s0 if cost == "euclidean" and scale is None else cost_scale(yf, "euclidean")
    k = J // ratio
    centres = _centres(yf, k, seed) if k >= 2 else None
    while k >= 2:
        c = yf[centres[:k]]
        zero = torch.zeros(k, device=yf.device)
        labels = torch.cat([assign(part, c, zero, cost="sqeuclidean")[1]
                            for part in yf.split(4096)])  # a (4096, k) block at a time
        mass = torch.zeros(k, dtype=nu.dtype, device=nu.device).index_add_(0, labels, nu)
        dk = cost_scale(c, "euclidean")
        # euclidean: a boundary between clusters moves by delta / |grad(c_j - c_k)| <= 2 over
        # a cluster width dk; squared: |grad| = 2 |y_j - y_k| for neighbours across the boundary,
        # at least the targets' own spacing d0 (the conservative choice within a continuum)
        sk = dk if cost == "euclidean" else 2.0 * d0 * dk
        levels.append((labels, sk / mass.clamp_min(1.0 / batch)))
        k //= ratio
    return MultiscalePreconditioner(levels)


#: farthest-point sampling costs k passes over the targets: beyond this many multiply-adds
#: (k J d) the centres are a seeded random sample instead (MNIST's 60000 x 784 with k = 7500:
#: 3.5e11, minutes; random: instant, and a cluster still holds about 8 targets)
FARTHEST_POINT_BUDGET = 2e9


def _centres(y: torch.Tensor, k: int, seed: int) -> torch.Tensor:
    """Indices of the ``k`` centres of the first coarse level; any prefix is a coarser level's."""
    if k * y.shape[0] * y.shape[1] <= FARTHEST_POINT_BUDGET:
        return _farthest_points(y, k, seed)
    g = torch.Generator(device="cpu").manual_seed(seed)
    return torch.randperm(y.shape[0], generator=g)[:k].to(y.device)


def _farthest_points(y: torch.Tensor, k: int, seed: int) -> torch.Tensor:
    """Indices of ``k`` rows of ``y`` by farthest-point sampling from a seeded first row; any
    prefix of the result is itself a farthest-point sample."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    first = int(torch.randint(y.shape[0], (1,), generator=g))
    idx = torch.empty(k, dtype=torch.long)
    idx[0] = first
    dist = ((y - y[first]) ** 2).sum(1)
    for i in range(1, k):
        nxt = int(dist.argmax())
        idx[i] = nxt
        dist = torch.minimum(dist, ((y - y[nxt]) ** 2).sum(1))
    return idx.to(y.device)
