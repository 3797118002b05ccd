"""Snapshots of a 2D run at each evaluation: samples, critic values on a grid, gradient arrows.

They are what the critic plots, the report and the animation are drawn from, so that those read
only the run folder.  Stored as ``snapshots/step_XXXXXXXX.npz`` (atomic writes).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch

from ..metrics.registry import eval_mode
from ..fileio import atomic_write_bytes

FOLDER = "snapshots"
GRID = 128  # as in the WGAN-GP authors' toy figures
ARROWS = 20
POINTS = 1000


def critic_snapshot(critic, encode, extent, fake: torch.Tensor, step: int) -> dict:
    """Critic values on a GRID x GRID lattice over ``extent`` and its gradient on ARROWS^2 points.

    Coordinates are data coordinates; ``encode`` maps them to the critic's input space, and the
    arrows are gradients with respect to data coordinates.
    """
    dev = next(critic.parameters()).device
    x0, x1, y0, y1 = extent
    xs = torch.linspace(x0, x1, GRID, dtype=torch.float32)
    ys = torch.linspace(y0, y1, GRID, dtype=torch.float32)
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    pts = torch.stack([xx.reshape(-1), yy.reshape(-1)], 1).to(dev)
    ax = torch.linspace(x0, x1, ARROWS + 2)[1:-1]
    ay = torch.linspace(y0, y1, ARROWS + 2)[1:-1]
    ayy, axx = torch.meshgrid(ay, ax, indexing="ij")
    apts = torch.stack([axx.reshape(-1), ayy.reshape(-1)], 1).to(dev).requires_grad_(True)
    with eval_mode(critic):
        with torch.no_grad():
            grid = critic(encode(pts)).reshape(GRID, GRID)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(critic(encode(apts)).sum(), apts)
    out = {
        "step": np.int64(step),
        "extent": np.asarray(extent, dtype=np.float64),
        "grid": grid.cpu().numpy().astype(np.float32),
        "fake": fake[:POINTS].detach().cpu().numpy().astype(np.float32),
        "arrows": {"x": axx.reshape(-1).numpy(), "y": ayy.reshape(-1).numpy(),
                   "u": g[:, 0].cpu().numpy(), "v": g[:, 1].cpu().numpy()},
    }
    if hasattr(critic, "assign"):  # a semi-discrete critic: its Laguerre cells on the grid
        cells = critic.assign(encode(pts)).reshape(GRID, GRID)
        out["cells"] = cells.cpu().numpy().astype(np.int32)
    return out


def save_snapshot(run_path: Path, snap: dict) -> Path:
    folder = Path(run_path) / FOLDER
    folder.mkdir(exist_ok=True)
    flat = {k: v for k, v in snap.items() if k != "arrows"}
    flat.update({f"arrows_{k}": v for k, v in snap["arrows"].items()})
    buf = io.BytesIO()
    np.savez_compressed(buf, **flat)
    path = folder / f"step_{int(snap['step']):08d}.npz"
    atomic_write_bytes(path, buf.getvalue())
    return path


def load_snapshots(run_path: Path) -> list[dict]:
    folder = Path(run_path) / FOLDER
    out = []
    for p in sorted(folder.glob("step_*.npz")):
        try:
            with np.load(p, allow_pickle=False) as z:
                d = {k: z[k] for k in z.files}
        except (OSError, ValueError):
            continue  # unreadable file: skip it, keep the rest
        d["arrows"] = {k: d.pop(f"arrows_{k}") for k in ("x", "y", "u", "v")}
        out.append(d)
    return out


def save_image_grid(run_path: Path, images: torch.Tensor, step: int) -> np.ndarray:
    """``snapshots/grid_XXXXXXXX.png``: generated images of one evaluation; returns the grid."""
    from .plots import grid_png, image_grid

    grid = image_grid(images)
    atomic_write_bytes(Path(run_path) / FOLDER / f"grid_{step:08d}.png", grid_png(grid))
    return grid


def image_grids(run_path: Path) -> list[tuple[int, Path]]:
    """(step, path) of every saved image grid, in step order."""
    paths = sorted((Path(run_path) / FOLDER).glob("grid_*.png"))
    return [(int(p.stem.split("_")[1]), p) for p in paths]
