"""Figures of a run: data vs samples (more in later modules)."""

from __future__ import annotations

import numpy as np

from ..metrics.ot import as_points
from . import style


def scatter_samples(ax, real, fake, title: str | None = None, limit: float | None = None) -> None:
    """Held-out data and generated points on one axis (first two coordinates)."""
    r, f = as_points(real), as_points(fake)
    if r.shape[1] == 1:
        r, f = np.c_[r, np.zeros(len(r))], np.c_[f, np.zeros(len(f))]
    ax.scatter(r[:, 0], r[:, 1], s=style.POINT_SIZE, c=style.REAL, alpha=style.ALPHA,
               label="data (held-out)", linewidths=0)
    ax.scatter(f[:, 0], f[:, 1], s=style.POINT_SIZE, c=style.FAKE, alpha=style.ALPHA,
               label="generated", linewidths=0)
    if limit is None:
        both = np.concatenate([r[:, :2], f[:, :2]])
        lo, hi = np.percentile(both, [0.5, 99.5], axis=0)
        pad = 0.1 * float(np.max(hi - lo))
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
    else:
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, markerscale=3)
    if title:
        ax.set_title(title, fontsize=9)
    if as_points(real).shape[1] > 2:
        ax.set_xlabel("coordinate 0")
        ax.set_ylabel("coordinate 1")


def plot_samples(real, fake, path, title: str | None = None) -> None:
    fig, (ax,) = style.figure()
    scatter_samples(ax, real, fake, title)
    style.save(fig, path)
