"""Figures of a run's latent space (BiGAN's encoder): reconstructions and interpolations.

  * images: rows of held-out x, each followed by the row of its reconstructions G(E(x)) (as in
    the course's GAN notebook), and a grid whose rows walk the latent segment between the codes
    of two held-out images, G((1 - t) E(a) + t E(b)), framed by a and b themselves;
  * points (2D): a segment from every held-out x to G(E(x)) over the data, and the curves
    t -> G((1 - t) E(a) + t E(b)) between pairs of held-out points.

Arrays in, PNG bytes out; computing the codes is the caller's (``training/artifacts.py``).
"""

from __future__ import annotations

import numpy as np

from . import style
from .plots import figure_png, grid_png, image_grid, plot_extent

#: small images are enlarged this many times per pixel (8 x 8 digits are unreadable otherwise)
SMALL = 16


def _enlarged(grid: np.ndarray, side: int) -> np.ndarray:
    k = max(1, 64 // side) if side <= SMALL else 1
    return grid.repeat(k, 0).repeat(k, 1)


def reconstruction_rows(x, recon, per_row: int = 16) -> bytes:
    """PNG: alternating rows of images x and of their reconstructions (same order)."""
    x, recon = np.asarray(x, np.float32), np.asarray(recon, np.float32)
    per_row = min(per_row, len(x))
    n = len(x) // per_row * per_row
    rows = [part for i in range(0, n, per_row) for part in (x[i:i + per_row],
                                                            recon[i:i + per_row])]
    grid = image_grid(np.concatenate(rows), nrow=per_row)
    return grid_png(_enlarged(grid, x.shape[-1]))


def interpolation_grid(start, path, end) -> bytes:
    """PNG: one row per pair, the image a, the generated images along the latent segment
    (``path``: (pairs, steps, C, H, W)), the image b."""
    start, path, end = (np.asarray(v, np.float32) for v in (start, path, end))
    rows = np.concatenate([start[:, None], path, end[:, None]], 1)
    grid = image_grid(rows.reshape(-1, *rows.shape[2:]), nrow=rows.shape[1])
    return grid_png(_enlarged(grid, start.shape[-1]))


def reconstruction_lines(real, x, recon, paths, title: str = "") -> bytes:
    """PNG, 2D points: segments x -> G(E(x)) over held-out data (left), and latent
    interpolation curves between pairs of held-out points (right)."""
    real, x, recon, paths = (np.asarray(v, np.float32) for v in (real, x, recon, paths))
    extent = plot_extent(np.concatenate([real, recon]))
    fig, (a, b) = style.figure(2, size=4.6)
    for ax in (a, b):
        ax.scatter(real[:, 0], real[:, 1], s=3, c="#bbbbbb", label="held-out data")
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_aspect("equal")
    segs = np.stack([x, recon], 1)
    for s in segs:
        a.plot(s[:, 0], s[:, 1], color="#1f77b4", lw=0.6, alpha=0.7)
    a.scatter(x[:, 0], x[:, 1], s=6, c="#1f77b4", label="x")
    a.scatter(recon[:, 0], recon[:, 1], s=6, c="#d62728", label="G(E(x))")
    a.set_title(f"x -> G(E(x)){': ' + title if title else ''}")
    a.legend(loc="upper right", fontsize=7)
    for p in paths:
        b.plot(p[:, 0], p[:, 1], lw=1.2)
        b.scatter(p[[0, -1], 0], p[[0, -1], 1], s=10, c="k")
    b.set_title("G((1 - t) E(a) + t E(b)), t in [0, 1]")
    return figure_png(fig)
