"""||grad psi^c|| over the source, the semi-discrete lecture's question "is ||grad psi^c|| = 1 still
true for the 2-Wasserstein cost?", answered by measurement.

On the Laguerre cell of y_j, psi^c(x) = c(x, y_j) - psi_j, so grad psi^c(x) = grad_x c(x, T(x))
with T(x) = y_j: for the W1 cost c = |x - y| it is the unit vector (x - y_j) / |x - y_j| (norm 1
wherever x is not a target: the property the gradient penalty enforces), for the W2 cost
c = |x - y|^2 it is 2 (x - T(x)), of norm 2 |x - T(x)|, which is not 1: it ranges from 0 at the
targets to twice the farthest distance a point travels.  Measured with otgan's c-transform and
autograd at the dual psi that otgan's solver finds for mu = U([0, 1]^2), nu uniform on J = 10
points (``square.py``), on 20000 fresh points of mu and on a pixel grid for the images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..semidiscrete import assign, c_transform, solve
from ..viz import style
from . import square

SUMMARY = "||grad psi^c||: 1 a.e. for the W1 cost, 2 ||x - T(x)|| (not 1) for the W2 cost"
PIXELS = 200
POINTS = 20_000
UNIT_TOL = 1e-6  # |norm - 1| below this counts as 1


def gradient_norms(x: torch.Tensor, y: torch.Tensor, psi: torch.Tensor, cost: str):
    """(||grad psi^c(x)|| by autograd, ||x - T(x)||) at every row of x."""
    x = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(c_transform(x, y, psi, cost=cost).sum(), x)
    t = y[assign(x.detach(), y, psi, cost=cost)[1]]
    return g.norm(dim=1), (x.detach() - t).norm(dim=1)


def make(out: Path, quick: bool = False) -> dict:
    steps, batch = (500, 256) if quick else (5000, 512)
    pixels, points = (100, 5000) if quick else (PIXELS, POINTS)
    y = square.targets()
    nu = square.uniform_weights(y.shape[0])
    x = square.sampler(seed=2)(points)
    numbers: dict = {"steps": steps, "batch": batch, "points": points, "unit_tolerance": UNIT_TOL}
    fig, axes = style.figure(3, size=3.8)
    hist_ax = axes[2]
    for col, (cost, label) in enumerate((("euclidean", "W1 cost |x - y|"),
                                         ("sqeuclidean", "W2 cost |x - y|²"))):
        psi = solve(square.sampler(seed=1), y, nu, cost=cost, steps=steps, batch=batch,
                    n_eval=10_000).psi
        norm, dist = gradient_norms(x, y, psi, cost)
        entry = {"grad_norm_min": float(norm.min()), "grad_norm_max": float(norm.max()),
                 "grad_norm_mean": float(norm.mean()),
                 "fraction_unit": float(((norm - 1).abs() < UNIT_TOL).double().mean()),
                 "max_error_vs_2_dist": float((norm - 2 * dist).abs().max()),
                 "max_error_vs_1": float((norm - 1).abs().max()),
                 "transport_distance_max": float(dist.max()),
                 "quantiles": {str(q): float(v) for q, v in zip(
                     (0.05, 0.25, 0.5, 0.75, 0.95),
                     np.quantile(norm.numpy(), (0.05, 0.25, 0.5, 0.75, 0.95)))}}
        numbers[cost] = entry
        img, _ = gradient_norms(square.grid(pixels), y, psi, cost)
        ax = axes[col]
        im = ax.imshow(img.reshape(pixels, pixels).numpy(), extent=square.EXTENT,
                       origin="lower", cmap="magma", vmin=0,
                       vmax=max(1.05, float(img.max())))
        ax.scatter(y[:, 0], y[:, 1], s=10, c="white", edgecolors="k", linewidths=0.4)
        ax.set_title(f"‖∇ψ^c‖, {label}, optimal ψ\nrange {entry['grad_norm_min']:.3f}-"
                     f"{entry['grad_norm_max']:.3f} on {points} points", fontsize=9)
        cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        cb.ax.tick_params(labelsize=7)
        hist_ax.hist(norm.numpy(), bins=80, range=(0, 1.6), alpha=0.6, label=label,
                     color=style.REAL if cost == "euclidean" else style.FAKE)
    hist_ax.axvline(1.0, color="k", lw=0.8, ls=":")
    hist_ax.set_xlabel("‖∇ψ^c(x)‖, x ~ μ", fontsize=8)
    hist_ax.set_yscale("log")
    hist_ax.set_title("W1: 1 almost everywhere; W2: 2 ‖x - T(x)‖", fontsize=9)
    hist_ax.legend(fontsize=7)
    style.save(fig, out / "unit-gradient.png")
    return numbers
