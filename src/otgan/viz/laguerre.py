"""The picture of a semi-discrete solution in 2D: its Laguerre cells on a pixel grid, the
targets (size ~ weight) and samples of the continuous measure."""

from __future__ import annotations

import numpy as np
import torch

from ..semidiscrete import assign
from . import style
from .plots import figure_png, plot_extent, plot_laguerre

PIXELS = 400


def laguerre_cells(y: torch.Tensor, psi: torch.Tensor, cost: str, extent,
                   pixels: int = PIXELS) -> np.ndarray:
    """The index of the Laguerre cell of each pixel's centre, a (pixels, pixels) array (rows go
    up in y), for targets ``y`` (J, 2) and dual potential ``psi`` (J,)."""
    x0, x1, y0, y1 = extent
    xs = torch.linspace(x0, x1, pixels, dtype=torch.float64)
    ys = torch.linspace(y0, y1, pixels, dtype=torch.float64)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)
    return assign(grid, y.double(), psi.double(), cost=cost)[1].reshape(pixels, pixels).numpy()


def laguerre_png(y: torch.Tensor, psi: torch.Tensor, cost: str, samples: torch.Tensor,
                 weights=None, title: str | None = None) -> bytes:
    """A PNG of the Laguerre diagram of (``y``, ``psi``) over the extent of ``samples`` (points
    of mu, drawn at most 2000) and the targets."""
    ext = plot_extent(torch.cat([samples.double(), y.double()]).numpy(), pad=0.05)
    fig, (ax,) = style.figure(size=5)
    plot_laguerre(ax, laguerre_cells(y, psi, cost, ext), ext, y, samples[:2000],
                  weights=None if weights is None else np.asarray(weights), title=title)
    return figure_png(fig)
