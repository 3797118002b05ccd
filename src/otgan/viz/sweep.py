"""Figures and page of a sweep: metric heatmaps over the grid, a grid of sample scatters."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from ..fileio import atomic_write_bytes
from . import style
from .plots import figure_png, plot_extent, scatter_samples
from .report import CSS, _img

LABELS = {"w1": "exact W1 (mean over seeds)", "modes_covered": "modes covered",
          "high_quality_pct": "% high-quality samples", "fid": "FID", "kid": "KID",
          "precision": "precision", "recall": "recall", "classes_covered": "classes covered"}
#: metrics where lower is better (their colour map is reversed)
LOWER_BETTER = ("w1", "fid", "kid")


def _axes_values(grid: dict):
    keys = list(grid)
    rows = keys[0]
    cols = keys[1] if len(keys) > 1 else None
    return keys, rows, cols


def plot_heatmaps(grid: dict, table: list[dict], path: Path, order=tuple(LABELS)) -> bytes:
    """One heatmap per metric any row has, in ``order``: first grid key down, second across
    (other keys averaged); a cell without the metric (another data family) is blank."""
    keys, rk, ck = _axes_values(grid)
    metrics = [m for m in order if any(m in row["stats"] for row in table)]
    rv, cv = grid[rk], (grid[ck] if ck else [None])
    fig, axes = style.figure(ncols=max(1, len(metrics)), size=4.2)
    if not metrics:  # the runs measured none of the table's metrics (--set metrics=...)
        axes[0].set_axis_off()
        axes[0].text(0.5, 0.5, "no metric of the table was measured", ha="center",
                     va="center")
    for ax, metric in zip(axes, metrics):
        m = np.full((len(rv), len(cv)), np.nan)
        for i, r in enumerate(rv):
            for j, c in enumerate(cv):
                vals = [row["stats"][metric][0] for row in table if metric in row["stats"]
                        and row["point"][rk] == r and (ck is None or row["point"][ck] == c)]
                m[i, j] = np.mean(vals) if vals else np.nan
        cmap = "viridis_r" if metric in LOWER_BETTER else "viridis"
        im = ax.imshow(m, cmap=cmap, aspect="auto")
        for i in range(len(rv)):
            for j in range(len(cv)):
                ax.text(j, i, f"{m[i, j]:.3g}", ha="center", va="center", fontsize=7,
                        color="w")
        ax.set_yticks(range(len(rv)), [f"{v:g}" if isinstance(v, float) else str(v)
                                       for v in rv])
        ax.set_ylabel(rk)
        ax.set_xticks(range(len(cv)), [f"{v:g}" if isinstance(v, float) else str(v)
                                       for v in cv] if ck else [""])
        if ck:
            ax.set_xlabel(ck)
        ax.set_title(LABELS.get(metric, metric) + (" (other keys averaged)" if len(keys) > 2 else ""),
                     fontsize=8)
        fig.colorbar(im, ax=ax, fraction=0.046)
    png = figure_png(fig)
    atomic_write_bytes(path, png)
    return png


def plot_sample_grid(result: dict, path: Path) -> bytes:
    """Samples of every grid point's first seed against held-out data (points) or as a tile
    (images), laid out as the grid."""
    grid = result["grid"]
    keys, rk, ck = _axes_values(grid)
    first = min(m["seed"] for m in result["members"])
    members = [m for m in result["members"] if m["seed"] == first]
    rv, cv = grid[rk], (grid[ck] if ck else [None])
    # other keys: one panel per combination would explode; show their first value
    others = {k: grid[k][0] for k in keys[2:]}
    real: dict = {}  # held-out points per data set
    fig, axes = style.figure(ncols=len(cv), nrows=len(rv), size=2.6)
    axes = np.asarray(axes, dtype=object).reshape(len(rv), len(cv))
    for i, r in enumerate(rv):
        for j, c in enumerate(cv):
            ax = axes[i, j]
            m = next((m for m in members if m["point"][rk] == r
                      and (ck is None or m["point"][ck] == c)
                      and all(m["point"][k] == v for k, v in others.items())), None)
            if m is None:
                ax.axis("off")
                continue
            fake = np.asarray(m["samples"], dtype=np.float32)
            title = f"{rk}={r:g}" if isinstance(r, float) else f"{rk}={r}"
            if ck:
                title += f", {ck}={c:g}" if isinstance(c, float) else f", {ck}={c}"
            if m.get("image"):
                ax.imshow(_tile(fake), cmap="gray")
                ax.set_title(title + (f"\nFID {m['fid']:.2f}" if "fid" in m else ""),
                             fontsize=8)
            else:
                ref = _held_out(m.get("data", ""), real)
                ref = ref if ref is not None else fake
                label = f"\nW1 {m['w1']:.3f}" if "w1" in m else ""
                scatter_samples(ax, ref, fake, title + label, plot_extent(ref))
                ax.get_legend().remove()
            ax.set_xticks([])
            ax.set_yticks([])
    png = figure_png(fig)
    atomic_write_bytes(path, png)
    return png


SAMPLE_REAL = 500


def _held_out(name: str, cache: dict):
    """The first held-out points of data set ``name`` (None where it cannot be loaded)."""
    if name not in cache:
        from ..data.dataset import load_dataset

        try:
            cache[name] = load_dataset(name).test[:SAMPLE_REAL].numpy()
        except Exception:  # a user file that moved: draw the samples alone
            cache[name] = None
    return cache[name]


def _tile(images: np.ndarray) -> np.ndarray:
    """(n, C, H, W) images in [-1, 1] or [0, 1] as one square grey tile."""
    x = images.mean(axis=1) if images.ndim == 4 else images
    n = int(np.ceil(np.sqrt(len(x))))
    h, w = x.shape[-2:]
    tile = np.full((n * h, n * w), np.nan, dtype=np.float32)
    for i, img in enumerate(x):
        tile[(i // n) * h:(i // n + 1) * h, (i % n) * w:(i % n + 1) * w] = img
    return tile


def sweep_page(result: dict, table_md: str, heat_png: bytes, grid_png: bytes) -> str:
    base = " ".join(f"{k}={v}" for k, v in result["base"].items())
    grid = " ".join(f"--grid {k}={','.join(str(v) for v in vs)}"
                    for k, vs in result["grid"].items())
    rows = [r for r in table_md.splitlines() if not r.startswith("|--")]
    cells = [[c.strip() for c in r.strip("|").split("|")] for r in rows]
    table = "<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cells[0]) + "</tr>"
    table += "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                     for row in cells[1:]) + "</table>"
    missing = result.get("missing") or []
    title = (f"{len(result['members'])} runs" if not missing else
             f"{len(result['members'])} of {result['runs']} runs (shards missing: "
             f"{', '.join(map(str, missing))})")
    parts = [f"<h1>otgan sweep: {html.escape(title)}</h1>",
             f"<p class='note'>{html.escape(base)} {html.escape(grid)} --seeds "
             f"{result['seeds']} --steps {result['steps']} &middot; {result['seconds']:.1f} s "
             f"on {result['workers']} worker(s)</p>",
             "<h2>Mean and spread over seeds</h2>", table,
             "<h2>Heatmaps</h2>", _img(heat_png, "heatmaps"),
             "<h2>Samples (first seed)</h2>", _img(grid_png, "samples")]
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>otgan sweep</title>"
            f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>")
