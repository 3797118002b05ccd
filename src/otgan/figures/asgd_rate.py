"""The rate of averaged SGD on the semi-discrete dual: H(psi*) - H(psi_k) against k, beside the
O(log k / sqrt(k)) bound of Genevay, Cuturi, Peyre & Bach (2016) quoted in the lecture "GAN and
WGAN Training".

To measure a gap rather than estimate one, mu is the grid measure mu_n (uniform on the n x n
pixel centres of [0, 1]^2, ``square.py``): batches are drawn from it, H_n(psi) is computed over
all its pixels, and H_n(psi*) = OT(mu_n, nu) is the network simplex's exact cost, so the gap
H_n(psi*) - H_n(psi_k) >= 0 carries no sampling error.  psi_k is otgan's averaged iterate
(``AveragedSGD`` with the dual step of ``step.py``, gamma = 1, batch 64), averaged over
independent runs; the last iterate psi~_k is shown beside it.  The measured slope is the
least-squares slope of log gap against log k over the last two decades of k.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from ..semidiscrete import AveragedSGD, SemiDiscreteCritic, cost_scale, dual_preconditioner
from ..viz import style
from . import square

SUMMARY = "averaged SGD on the semi-discrete dual: H(psi*) - H(psi_k) against k, O(log k/sqrt k)"
BATCH = 64
GAMMA = 1.0


def checkpoints(k_max: int, per_decade: int = 8) -> list[int]:
    """About ``per_decade`` log-spaced iteration counts per decade, from 1 to k_max."""
    n = int(per_decade * math.log10(k_max)) + 1
    return sorted({int(round(v)) for v in np.logspace(0, math.log10(k_max), n)})


def asgd_gaps(y, nu, cost: str, n: int, exact: float, k_max: int, seed: int) -> dict:
    """One run of averaged SGD from psi = 0 on batches of mu_n: the gaps of the averaged and
    of the last iterate at ``checkpoints(k_max)``."""
    crit = SemiDiscreteCritic(y, nu, cost)
    opt = AveragedSGD([crit.psi], [crit.psi_avg], GAMMA,
                      [dual_preconditioner(crit.nu, cost_scale(y, cost), BATCH)])
    pixels = square.grid(n)
    g = torch.Generator().manual_seed(seed)
    marks = set(checkpoints(k_max))
    avg, last = [], []
    for k in range(1, k_max + 1):
        x = pixels[torch.randint(0, pixels.shape[0], (BATCH,), generator=g)]
        opt.zero_grad(set_to_none=True)
        (-crit.dual(x)).backward()
        opt.step()
        if k in marks:
            avg.append(exact - square.grid_dual(crit.psi_avg.detach(), y, nu, cost, n))
            last.append(exact - square.grid_dual(crit.psi.detach(), y, nu, cost, n))
    return {"averaged": avg, "last": last}


def loglog_slope(k, gap, k_from: float) -> float:
    """Least-squares slope of log gap against log k over k >= k_from."""
    k, gap = np.asarray(k, float), np.asarray(gap, float)
    keep = (k >= k_from) & (gap > 0)
    return float(np.polyfit(np.log(k[keep]), np.log(gap[keep]), 1)[0])


def make(out: Path, quick: bool = False) -> dict:
    k_max, runs, n = (2000, 1, 64) if quick else (20000, 4, 100)
    y = square.targets()
    nu = square.uniform_weights(y.shape[0])
    ks = checkpoints(k_max)
    numbers: dict = {"k_max": k_max, "runs": runs, "grid": n, "batch": BATCH, "gamma": GAMMA,
                     "k": ks}
    fig, axes = style.figure(2, size=4.4)
    for ax, (cost, label) in zip(axes, (("sqeuclidean", "W2 cost |x - y|²"),
                                        ("euclidean", "W1 cost |x - y|"))):
        exact = square.exact_cost(y, nu, cost, n)
        res = [asgd_gaps(y, nu, cost, n, exact, k_max, seed=r) for r in range(runs)]
        avg = np.mean([r["averaged"] for r in res], axis=0)
        last = np.mean([r["last"] for r in res], axis=0)
        k = np.asarray(ks, float)
        bound = np.log(k + 1) / np.sqrt(k)
        c = float(np.max(avg / bound))  # the bound's shape, scaled to lie on or above the gaps
        slope = loglog_slope(ks, avg, k_max / 100)
        numbers[cost] = {"exact_cost": exact, "gap_averaged": avg.tolist(),
                         "gap_last_iterate": last.tolist(), "slope_averaged": slope,
                         "slope_last_iterate": loglog_slope(ks, last, k_max / 100),
                         "slope_from_k": k_max / 100, "bound_constant": c,
                         "gap_over_bound_final": float(avg[-1] / (c * bound[-1]))}
        ax.loglog(k, avg, "o-", ms=3, color=style.REAL,
                  label=f"averaged ψ_k (slope {slope:.2f})")
        ax.loglog(k, last, "-", lw=0.8, color=style.FAKE, alpha=0.8, label="last iterate ψ~_k")
        ax.loglog(k, c * bound, "k--", lw=1, label="C log k / √k")
        ax.loglog(k, avg[0] * k[0] / k, ":",
                  color="grey", lw=0.8, label="1 / k")
        ax.set_xlabel("k (dual steps, batch 64)", fontsize=8)
        ax.set_ylabel("H(ψ*) - H(ψ_k)", fontsize=8)
        ax.set_title(f"{label}: mean of {runs} runs, exact H(ψ*) = {exact:.5f}", fontsize=9)
        ax.legend(fontsize=7)
    style.save(fig, out / "asgd-rate.png")
    return numbers
