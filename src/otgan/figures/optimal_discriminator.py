"""The optimal discriminator D* = q / (q + p) (the lecture "GAN and WGAN Training": q the data
density, p the generator's), against a discriminator otgan trains on samples.

Two pairs of known 1D densities: the data q = N(0, 1) against a generator p = N(2, 1) (then
D*(x) = sigmoid(2 - 2x), a logistic curve), and a two-mode data density q = 1/2 N(-1.5, 0.5^2) +
1/2 N(1.5, 0.5^2) against p = N(0, 1) (D* high on the data's modes, low between them).  The
``gan`` method's discriminator (``fit_critic``, its default preset, an MLP 128-64) trains on
20000 samples of each and is read as D = sigmoid(logit) on a grid.  Numbers: the mean of
|D - D*| under (p + q) / 2, its maximum where (p + q) / 2 > 0.05, and the discriminator's JS
estimate against the true JS(p, q) (by quadrature).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from ..training.critic_fit import fit_critic
from ..viz import style

SUMMARY = "a trained GAN discriminator against the optimal q / (q + p) on known densities"
SAMPLES = 20_000
GRID = np.linspace(-5.0, 5.0, 2001)


def gaussian(x, m: float, s: float):
    return np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))


#: name -> (data density q: list of (weight, mean, std), generator density p: same)
PAIRS = {
    "N(0,1) vs N(2,1)": ([(1.0, 0.0, 1.0)], [(1.0, 2.0, 1.0)]),
    "two modes vs N(0,1)": ([(0.5, -1.5, 0.5), (0.5, 1.5, 0.5)], [(1.0, 0.0, 1.0)]),
}


def density(mixture, x):
    return sum(w * gaussian(x, m, s) for w, m, s in mixture)


def draw(mixture, n: int, seed: int) -> torch.Tensor:
    """n points of a Gaussian mixture, (n, 1) float32, seeded."""
    g = torch.Generator().manual_seed(seed)
    w = torch.tensor([c[0] for c in mixture], dtype=torch.float64)
    k = torch.multinomial(w, n, replacement=True, generator=g)
    m = torch.tensor([c[1] for c in mixture])[k]
    s = torch.tensor([c[2] for c in mixture])[k]
    return (m + s * torch.randn(n, generator=g)).float().unsqueeze(1)


def optimal_discriminator(q, p):
    """D* = q / (q + p) (1/2 where both vanish)."""
    total = q + p
    return np.where(total > 0, q / np.where(total > 0, total, 1.0), 0.5)


def js_divergence(q, p, x) -> float:
    """JS(p, q) by the trapezoidal rule on the grid x."""
    m = 0.5 * (p + q)

    def kl(a):
        return np.trapezoid(np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0) / m), 0.0), x)

    return float(0.5 * kl(p) + 0.5 * kl(q))


def make(out: Path, quick: bool = False) -> dict:
    steps = 600 if quick else 5000
    numbers: dict = {"steps": steps, "samples": SAMPLES, "pairs": {}}
    fig, axes = style.figure(len(PAIRS), size=4.4)
    for i, (name, (q_mix, p_mix)) in enumerate(PAIRS.items()):
        q_pts, p_pts = draw(q_mix, SAMPLES, seed=2 * i), draw(p_mix, SAMPLES, seed=2 * i + 1)
        r = fit_critic(q_pts, p_pts, method="gan", steps=steps)
        with torch.no_grad():
            logits = r["critic"].eval()(torch.from_numpy(GRID).float().unsqueeze(1))
        d = torch.sigmoid(logits.reshape(-1)).double().numpy()
        q, p = density(q_mix, GRID), density(p_mix, GRID)
        d_star = optimal_discriminator(q, p)
        mix = 0.5 * (p + q)
        err = np.abs(d - d_star)
        where = mix > 0.05
        entry = {"q": q_mix, "p": p_mix,
                 "mean_abs_error": float(np.trapezoid(err * mix, GRID) / np.trapezoid(mix, GRID)),
                 "max_abs_error_where_mixture_above_0.05": float(err[where].max()),
                 "js_true": js_divergence(q, p, GRID), "js_estimate": r["js_estimate"],
                 "x": GRID[::50].tolist(), "d": d[::50].tolist(), "d_star": d_star[::50].tolist()}
        numbers["pairs"][name] = entry
        ax = axes[i]
        ax.plot(GRID, q, color=style.REAL, lw=1, label="data density q")
        ax.plot(GRID, p, color=style.FAKE, lw=1, label="generator density p")
        ax.plot(GRID, d_star, "k--", lw=1.5, label="D* = q / (q + p)")
        ax.plot(GRID, d, color="tab:green", lw=1.5, label=f"trained D ({steps} updates)")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"{name}: mean |D - D*| = {entry['mean_abs_error']:.3f}\nJS estimate "
                     f"{entry['js_estimate']:.4f}, true JS {entry['js_true']:.4f}", fontsize=9)
        ax.set_xlabel("x", fontsize=8)
        ax.legend(fontsize=7)
    style.save(fig, out / "optimal-discriminator.png")
    return numbers
