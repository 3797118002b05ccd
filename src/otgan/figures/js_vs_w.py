"""Jensen-Shannon beside Wasserstein, the course's argument for the WGAN: as one distribution
moves away from another, a GAN discriminator's JS estimate saturates at log 2 as soon as the
supports are disjoint, while a Wasserstein critic's estimate grows with the distance.

Two families: the lecture's two parallel segments {0} x [0, 1] and {theta} x [0, 1] (disjoint
for every theta != 0: JS = log 2, W1 = |theta|), and the lab's ring translated by t (the radial
noise is Gaussian, so the supports always overlap a little; its true JS is computed by Monte
Carlo from the ring's density).  Every point of a curve is a critic trained alone
(``fit_critic``, default presets of ``gan`` and ``wgan-gp``) and read on held-out points.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from ..data.toy import ring
from ..training.critic_fit import fit_critic
from ..viz import style

SUMMARY = "JS saturates at log 2 on disjoint supports, W grows with the distance"
SEGMENT_THETAS = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
RING_SHIFTS = (0.0, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0)


def segment(n: int = 6000, seed: int = 0) -> torch.Tensor:
    """{0} x U[0, 1]: the lecture's vertical segment."""
    u = torch.rand(n, generator=torch.Generator().manual_seed(seed))
    return torch.stack([torch.zeros(n), u], 1)


def ring_density(x: np.ndarray) -> np.ndarray:
    """Density of the lab's ring: radius N(1, 0.1^2), angle uniform (r > 0 almost surely)."""
    r = np.linalg.norm(x, axis=1)
    return np.exp(-0.5 * ((r - 1.0) / 0.1) ** 2) / (0.1 * math.sqrt(2 * math.pi)) / (2 * np.pi * r)


def ring_js(t: float, n: int = 200_000, seed: int = 0) -> float:
    """JS between the ring and its translate by (t, 0), Monte Carlo with the exact densities."""
    p_pts = ring(n, seed).double().numpy()
    q_pts = p_pts + np.array([t, 0.0])
    shift = np.array([t, 0.0])

    def half(x, own, other):
        a, b = own(x), other(x)
        return np.mean(np.log(2 * a / (a + b)))

    return 0.5 * half(p_pts, ring_density, lambda x: ring_density(x - shift)) + \
        0.5 * half(q_pts, lambda x: ring_density(x - shift), ring_density)


def make(out: Path, quick: bool = False) -> dict:
    steps = 500 if quick else 1500
    thetas = (0.0, 0.1, 1.0) if quick else SEGMENT_THETAS
    shifts = (0.0, 0.5, 2.0) if quick else RING_SHIFTS
    seg = segment()
    rows = {"segments": [], "ring": []}
    for family, values, data in (("segments", thetas, seg), ("ring", shifts, "ring")):
        for d in values:
            js = fit_critic(data, data, method="gan", steps=steps, shift=(d, 0.0))
            w = fit_critic(data, data, method="wgan-gp", steps=steps, shift=(d, 0.0))
            row = {"distance": d, "js_estimate": js["js_estimate"],
                   "w_estimate": w["w_estimate"], "critic_gap": w["critic_gap"],
                   "w1": w["w1"]}
            if family == "segments":
                row["js_true"] = math.log(2) if d > 0 else 0.0
            else:
                row["js_true"] = float(ring_js(d))
            rows[family].append(row)
    fig, axes = style.figure(2, size=4.2)
    for ax, (family, title) in zip(axes, (("segments", "two parallel segments at distance θ"),
                                          ("ring", "the ring and its translate by t"))):
        r = rows[family]
        d = [x["distance"] for x in r]
        ax.plot(d, [x["js_estimate"] for x in r], "o-", color=style.FAKE,
                label="discriminator JS estimate")
        ax.plot(d, [x["js_true"] for x in r], ":", color=style.FAKE, label="true JS")
        ax.plot(d, [x["w_estimate"] for x in r], "s-", color=style.REAL,
                label="critic estimate of W1")
        ax.plot(d, [x["w1"] for x in r], "--", color="k", lw=1, label="exact W1")
        ax.axhline(math.log(2), color="grey", lw=0.8, ls=":")
        ax.text(d[-1], math.log(2), "log 2", fontsize=7, va="bottom", ha="right")
        ax.set_xlabel("distance", fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    style.save(fig, out / "js-vs-w.png")
    return {"steps": steps, **rows}
