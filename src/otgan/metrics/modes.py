"""Mode coverage of Gaussian mixtures (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018).

A generated sample is *high-quality* when it lies within 3 standard deviations of its nearest
mode; a mode is *covered* when at least one high-quality sample is nearest to it.  Reported: modes
covered, the percentage of high-quality samples, and KL(histogram of the high-quality samples'
modes || uniform over the modes), 0 for a perfectly balanced generator and log K when every
high-quality sample falls in one mode.
"""

from __future__ import annotations

import numpy as np

from ..data.arrays import as_points
from .registry import register


def mode_coverage(samples, centres, sigma: float) -> dict:
    x, c = as_points(samples), as_points(centres)
    d = np.linalg.norm(x[:, None, :] - c[None, :, :], axis=2)
    nearest = d.argmin(axis=1)
    good = d[np.arange(len(x)), nearest] <= 3 * sigma
    counts = np.bincount(nearest[good], minlength=len(c))
    k = len(c)
    if counts.sum() == 0:
        kl = None  # no high-quality sample: the histogram is undefined
    else:
        p = counts / counts.sum()
        nz = p > 0
        kl = float(np.sum(p[nz] * np.log(p[nz] * k)))
    return {"modes_covered": int((counts > 0).sum()), "modes_total": k,
            "high_quality_pct": float(100.0 * good.mean()), "mode_kl": kl}


def mode_spread(samples, centres, sigma: float) -> float | None:
    """The high-quality samples' root-mean-square distance to their nearest mode over the
    data's own, sigma sqrt(d) (2D: sigma sqrt(2)): about 1 for samples of the mixture itself
    (a little less, the 3-sigma cut), 0 when every sample sits on a mode's centre.  None
    without a high-quality sample."""
    x, c = as_points(samples), as_points(centres)
    d = np.linalg.norm(x[:, None, :] - c[None, :, :], axis=2).min(axis=1)
    good = d[d <= 3 * sigma]
    if good.size == 0:
        return None
    return float(np.sqrt(np.mean(good ** 2)) / (sigma * np.sqrt(x.shape[1])))


@register("modes")
def _modes(ctx) -> dict:
    pts = ctx.sample(2500) if ctx.sample is not None else ctx.fake
    return mode_coverage(pts, ctx.modes, ctx.mode_sigma)
