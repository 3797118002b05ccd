"""From the Voronoi diagram to the optimal Laguerre diagram, the semi-discrete lecture's figure:
mu = U([0, 1]^2) to nu uniform on J = 10 points, for the W1 cost |x - y| and the W2 cost
|x - y|^2.

With psi = 0 the cells {x : argmin_j c(x, y_j) - psi_j = j} are the Voronoi cells (the same for
both costs), whose masses mu(L_j) are uneven; otgan's solver (averaged SGD on the dual,
``semidiscrete.solve``) finds the psi whose Laguerre cells hold exactly nu_j = 1/J each, which
is the optimality condition dH/dpsi_j = nu_j - mu(L_j) = 0.  Beside each diagram, the c-transform
psi^c(x) = min_j c(x, y_j) - psi_j.  Numbers: the cell masses against the weights at psi = 0
and at the solved psi (on a 400 x 400 pixel grid), the dual value H(psi) against the exact OT
cost (both on the 100 x 100 grid measure, ``square.py``: H <= OT by weak duality).
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..semidiscrete import solve
from ..viz import style
from ..viz.plots import plot_laguerre
from . import square

SUMMARY = "Voronoi (psi = 0) to the optimal Laguerre diagram, psi^c heatmaps, both costs"
COSTS = (("euclidean", "W1 cost |x - y|"), ("sqeuclidean", "W2 cost |x - y|²"))
PIXELS = 400  # masses and images (quick: 150)
EXACT_GRID = 100  # the grid measure of the exact cost and of the dual value (quick: 64)


def mass_row(psi, y, nu, cost, pixels: int, exact_grid: int) -> dict:
    masses = square.grid_masses(psi, y, cost, pixels)
    return {"masses": masses.tolist(),
            "max_mass_error": float((masses - nu).abs().max()),
            "max_relative_mass_error": float(((masses - nu).abs() / nu).max()),
            "dual_value": square.grid_dual(psi, y, nu, cost, exact_grid)}


def make(out: Path, quick: bool = False) -> dict:
    steps, batch = (600, 256) if quick else (5000, 512)
    pixels, exact_grid = (150, 64) if quick else (PIXELS, EXACT_GRID)
    y = square.targets()
    nu = square.uniform_weights(y.shape[0])
    numbers: dict = {"targets": y.tolist(), "weights": nu.tolist(), "steps": steps,
                     "batch": batch, "pixels": pixels, "exact_grid": exact_grid}
    fig, axes = style.figure(4, size=3.3, nrows=2)
    for row, (cost, label) in enumerate(COSTS):
        res = solve(square.sampler(seed=1), y, nu, cost=cost, steps=steps, batch=batch,
                    n_eval=20_000 if quick else 200_000)
        psi0 = torch.zeros_like(nu)
        exact = square.exact_cost(y, nu, cost, exact_grid)
        entry = {"exact_cost": exact, "sampled_dual_value": res.cost,
                 "psi": res.psi.tolist(),
                 "voronoi": mass_row(psi0, y, nu, cost, pixels, exact_grid),
                 "optimal": mass_row(res.psi, y, nu, cost, pixels, exact_grid)}
        for key in ("voronoi", "optimal"):
            entry[key]["relative_dual_gap"] = (exact - entry[key]["dual_value"]) / exact
        numbers[cost] = entry
        for col, (psi, name) in enumerate(((psi0, "voronoi"), (res.psi, "optimal"))):
            e = entry[name]
            title = (f"{label}: " + ("Voronoi, ψ = 0" if name == "voronoi" else "optimal ψ") +
                     f"\ncell masses {min(e['masses']):.3f}-{max(e['masses']):.3f}, ν_j = 0.1")
            plot_laguerre(axes[row][2 * col], square.cells(psi, y, cost, pixels).numpy(),
                          square.EXTENT, y.numpy(), title=title)
            heat = axes[row][2 * col + 1]
            im = heat.imshow(square.c_transform_image(psi, y, cost, pixels).numpy(),
                             extent=square.EXTENT, origin="lower", cmap="viridis")
            heat.scatter(y[:, 0], y[:, 1], s=10, c="white", edgecolors="k", linewidths=0.4)
            heat.set_title(f"ψ^c, dual value H = {e['dual_value']:.4f}\n(exact OT cost {exact:.4f})",
                           fontsize=9)
            cb = fig.colorbar(im, ax=heat, fraction=0.046, pad=0.04)
            cb.ax.tick_params(labelsize=7)
    style.save(fig, out / "laguerre.png")
    return numbers
