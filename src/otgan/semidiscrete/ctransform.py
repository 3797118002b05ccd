"""The c-transform of a dual vector over a finite set of targets, in chunks, with its gradient.

For targets y_1..y_J with weights nu_j and a dual vector psi in R^J,

    hard (eps = 0):   psi^c(x) = min_j  c(x, y_j) - psi_j
    soft (eps > 0):   psi^c(x) = -eps log sum_j nu_j exp((psi_j - c(x, y_j)) / eps)

with c(x, y) = ||x - y|| ("euclidean", the W1 cost) or ||x - y||^2 ("sqeuclidean", W2^2).
The soft form is the entropic smoothing of Houdard, Leclaire, Papadakis & Rabin (TMLR 2023);
it tends to the hard form as eps -> 0.

Gradients (pi = the assignment: one-hot at the argmin for eps = 0, the Gibbs weights
nu_j exp((psi_j - c)/eps) / Z for eps > 0):

    d psi^c(x) / d x     = sum_j pi_j grad_x c(x, y_j)
    d psi^c(x) / d psi_j = -pi_j

Costs are computed from ||x||^2 + ||y||^2 - 2 x.y (one matrix product per chunk of targets), so
60000 MNIST images against a batch of 256 run at matrix-multiply speed in bounded memory; the
backward pass recomputes what it needs chunk by chunk instead of keeping a (B, J) graph.
"""

from __future__ import annotations

import math

import torch

COSTS = ("euclidean", "sqeuclidean")
#: default number of targets per chunk: a (B, CHUNK) float32 block per step
CHUNK = 8192
_EPS_DIST = 1e-12  # distances below this are treated as this (the euclidean cost's kink)


def _sq_dists(x: torch.Tensor, y: torch.Tensor, y_sq: torch.Tensor) -> torch.Tensor:
    """||x_b - y_j||^2 for a batch x (B, d) and a chunk y (J', d) with y_sq = ||y||^2."""
    x_sq = (x * x).sum(1, keepdim=True)
    # one fused ||y||^2 - 2 x.y (addmm), then in-place: 8x faster than the three-temporary
    # expression at d = 2 (measured: 256 x 1000 in 0.19 ms against 1.59 ms, one thread)
    out = torch.addmm(y_sq[None, :].expand(x.shape[0], -1), x, y.T, alpha=-2.0)
    return out.add_(x_sq).clamp_min_(0.0)


def _cost(sq: torch.Tensor, cost: str) -> torch.Tensor:
    return sq.clamp_min_(_EPS_DIST).sqrt_() if cost == "euclidean" else sq


def assign(x: torch.Tensor, y: torch.Tensor, psi: torch.Tensor, *, cost: str = "sqeuclidean",
           y_sq: torch.Tensor | None = None, chunk: int = CHUNK):
    """(min_j c(x, y_j) - psi_j, argmin_j): the hard c-transform and the Laguerre cell index."""
    y_sq = (y * y).sum(1) if y_sq is None else y_sq
    if y.shape[0] <= chunk:  # one block: no running minimum to merge
        return _cost(_sq_dists(x, y, y_sq), cost).sub_(psi[None, :]).min(1)
    best = torch.full((x.shape[0],), math.inf, device=x.device, dtype=x.dtype)
    arg = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
    for s in range(0, y.shape[0], chunk):
        v = _cost(_sq_dists(x, y[s:s + chunk], y_sq[s:s + chunk]), cost) - psi[None, s:s + chunk]
        m, a = v.min(1)
        better = m < best
        best = torch.where(better, m, best)
        arg = torch.where(better, a + s, arg)
    return best, arg


def _soft(x, y, psi, log_nu, cost, eps, y_sq, chunk):
    """Streaming -eps * logsumexp((psi - c)/eps + log nu) over chunks of targets."""
    running = torch.full((x.shape[0],), -math.inf, device=x.device, dtype=x.dtype)
    for s in range(0, y.shape[0], chunk):
        c = _cost(_sq_dists(x, y[s:s + chunk], y_sq[s:s + chunk]), cost)
        z = (psi[None, s:s + chunk] - c) / eps + log_nu[None, s:s + chunk]
        running = torch.logaddexp(running, torch.logsumexp(z, dim=1))
    return -eps * running


class CTransform(torch.autograd.Function):
    """psi^c(x) for a batch, differentiable in x and psi, chunked in both passes."""

    @staticmethod
    def forward(ctx, x, psi, y, y_sq, log_nu, cost: str, eps: float, chunk: int):
        with torch.no_grad():
            if eps > 0:
                value = _soft(x, y, psi, log_nu, cost, eps, y_sq, chunk)
                arg = None
            else:
                value, arg = assign(x, y, psi, cost=cost, y_sq=y_sq, chunk=chunk)
        ctx.save_for_backward(x, psi, y, y_sq, log_nu, value, *(() if arg is None else (arg,)))
        ctx.cost, ctx.eps, ctx.chunk = cost, eps, chunk
        return value

    @staticmethod
    def backward(ctx, grad_out):
        x, psi, y, y_sq, log_nu, value, *rest = ctx.saved_tensors
        cost, eps, chunk = ctx.cost, ctx.eps, ctx.chunk
        g = grad_out
        if eps == 0:
            (arg,) = rest
            y_star = y[arg]
            diff = x - y_star
            if cost == "sqeuclidean":
                gx = 2.0 * diff
            else:
                gx = diff / diff.norm(dim=1, keepdim=True).clamp_min(math.sqrt(_EPS_DIST))
            grad_x = g[:, None] * gx
            grad_psi = torch.zeros_like(psi).index_add_(0, arg, -g)
            return grad_x, grad_psi, None, None, None, None, None, None
        # soft: pi_bj = exp((psi_j - c_bj)/eps + log nu_j + value_b / eps)
        grad_x = torch.zeros_like(x)
        grad_psi = torch.zeros_like(psi)
        for s in range(0, y.shape[0], chunk):
            yc = y[s:s + chunk]
            sq = _sq_dists(x, yc, y_sq[s:s + chunk])
            c = _cost(sq, cost)
            pi = torch.exp((psi[None, s:s + chunk] - c) / eps + log_nu[None, s:s + chunk]
                           + value[:, None] / eps)
            w = pi * g[:, None]  # (B, J')
            if cost == "sqeuclidean":
                coef = 2.0 * w
            else:
                coef = w / c
            grad_x += coef.sum(1, keepdim=True) * x - coef @ yc
            grad_psi[s:s + chunk] -= w.sum(0)
        return grad_x, grad_psi, None, None, None, None, None, None


def c_transform(x: torch.Tensor, y: torch.Tensor, psi: torch.Tensor,
                nu: torch.Tensor | None = None, *, cost: str = "sqeuclidean", eps: float = 0.0,
                y_sq: torch.Tensor | None = None, chunk: int = CHUNK) -> torch.Tensor:
    """psi^c(x) for every row of ``x`` (flattened to (B, d)) against targets ``y`` with dual
    vector ``psi`` and weights ``nu`` (uniform by default; they matter only for eps > 0)."""
    if cost not in COSTS:
        raise ValueError(f"cost must be one of {COSTS}, got {cost!r}")
    xf = x.reshape(x.shape[0], -1)
    y_sq = (y * y).sum(1) if y_sq is None else y_sq
    if nu is None:
        log_nu = torch.full((y.shape[0],), -math.log(y.shape[0]), device=y.device, dtype=y.dtype)
    else:
        log_nu = nu.clamp_min(1e-38).log()
    with torch.autocast(xf.device.type, enabled=False):  # never in bf16: see runtime.precision
        return CTransform.apply(xf.to(y.dtype), psi, y, y_sq, log_nu, cost, float(eps), int(chunk))
