"""How far a semi-discrete critic's partition is from balanced.

At the optimum of the semi-dual every Laguerre cell L_j holds exactly its target's mass nu_j;
the dual value alone can be close to W while most cells are empty.  On n fresh generated points
(n = 50 J, between the evaluation size and 200000) this metric counts each cell's share and
reports the largest relative error max_j |mu(L_j) - nu_j| / nu_j over the targets with nu_j > 0,
the total-variation distance (1/2) sum_j |mu(L_j) - nu_j| and the fraction of empty cells.  With
n points a cell of mass nu_j is counted with a relative error of about 1 / sqrt(n nu_j): 0.14 at
50 points per cell, so values below that are sampling noise.

Where n is too small for that (MNIST's J = 60000 in 784 dimensions: n is the evaluation size),
``sd_cells_hit`` still reads: the number of distinct cells the n points fall in, over the number
a balanced partition would give in expectation, sum_j 1 - (1 - nu_j)^n.  It is about 1 when the
masses are balanced and 1 / E[distinct] when every point falls in one cell (a collapsed
generator), whatever n is.

``sd_dual`` is the semi-dual H = mean_x psi^c(x) + sum_j nu_j psi_j at the averaged dual on the
same points: a lower bound of the transport cost between their law and the targets (weak
duality), the cost itself at the optimum.  A critic over latent codes (AE-OT's) partitions the
latent space: its points are fresh draws of the latent law (``ctx.prior``), not generated data.
"""

from __future__ import annotations

import torch

from ..semidiscrete import assign
from .registry import register


@register("partition")
@torch.no_grad()
def _partition(ctx) -> dict:
    critic = ctx.critic
    nu = critic.nu.double().cpu()
    # 50 points per cell, at most 200000 and at most 2^36 multiply-adds (about a second at
    # matrix-product speed): at MNIST's J = 60000, d = 784 that is the evaluation's own points
    per_point = nu.numel() * critic.y[0].numel()
    n = int(max(ctx.fake.shape[0], min(50 * nu.numel(), 200_000, 2 ** 36 // per_point)))
    if ctx.critic_reads_latent:
        x, encode = ctx.prior(n), (lambda z: z)
    else:
        x, encode = (ctx.sample(n) if ctx.sample is not None else ctx.fake), ctx.encode
    dev = critic.nu.device
    counts = torch.zeros(nu.numel(), dtype=torch.float64)
    transform = 0.0
    for part in x.split(4096):  # a (4096, chunk) block of costs at a time
        part = encode(part.to(dev)).reshape(part.shape[0], -1).to(critic.y.dtype)
        # one pass gives the cell and the hard c-transform (the soft one needs its own)
        value, idx = assign(part, critic.y, critic.psi_avg, cost=critic.cost, y_sq=critic.y_sq,
                            chunk=critic.chunk)
        if critic.eps > 0:
            value = critic.c_transform(part, averaged=True)
        counts += torch.bincount(idx.cpu(), minlength=nu.numel()).double()
        transform += float(value.double().sum())
    mu = counts / x.shape[0]
    dual = transform / x.shape[0] + float((critic.nu.double() * critic.psi_avg.double()).sum())
    pos = nu > 0
    balanced = float((1 - (1 - nu[pos]).pow(x.shape[0])).sum())
    return {"sd_mass_error": float(((mu - nu).abs()[pos] / nu[pos]).max()),
            "sd_mass_tv": float((mu - nu).abs().sum() / 2),
            "sd_empty_cells": float((counts[pos] == 0).double().mean()),
            "sd_cells_hit": float((counts[pos] > 0).sum()) / balanced,
            "sd_dual": dual, "sd_mass_n": x.shape[0]}
