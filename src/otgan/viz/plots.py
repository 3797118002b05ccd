"""Figures of a run, drawn from what the run folder holds (no model needed).

- ``scatter_samples``: held-out data vs generated points;
- ``plot_critic``: the critic's level sets with its gradient field (arrows), as in the WGAN-GP
  authors' toy figures, over data and samples;
- ``plot_curves``: critic estimate and exact W1/W2, losses, gradient norms against steps;
- ``animate``: samples and critic contours over training, as a GIF;
- ``image_grid`` / ``plot_image_samples``: images in a grid, held-out data beside generated;
- ``samples_png``: generated samples alone as PNG bytes (``otgan sample --out X.png``): an image
  grid at one pixel per pixel, or a scatter plot of points over held-out data.
"""

from __future__ import annotations

import io
import math

import numpy as np

from ..data.arrays import as_points
from ..fileio import atomic_write_bytes
from ..methods.specs import METHODS
from . import style


def scatter_samples(ax, real, fake, title: str | None = None, extent=None) -> None:
    """Held-out data and generated points on one axis (first two coordinates)."""
    r, f = as_points(real), as_points(fake)
    if r.shape[1] == 1:
        r, f = np.c_[r, np.zeros(len(r))], np.c_[f, np.zeros(len(f))]
    ax.scatter(r[:, 0], r[:, 1], s=style.POINT_SIZE, c=style.REAL, alpha=style.ALPHA,
               label="data (held-out)", linewidths=0)
    ax.scatter(f[:, 0], f[:, 1], s=style.POINT_SIZE, c=style.FAKE, alpha=style.ALPHA,
               label="generated", linewidths=0)
    extent = extent if extent is not None else plot_extent(r)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, markerscale=3)
    if title:
        ax.set_title(title, fontsize=9)
    if as_points(real).shape[1] > 2:
        ax.set_xlabel("coordinate 0")
        ax.set_ylabel("coordinate 1")


def plot_extent(points, pad: float = 0.25) -> tuple[float, float, float, float]:
    """A square window around the bulk of ``points`` (0.5 to 99.5 percentiles, padded)."""
    p = as_points(points)[:, :2]
    lo, hi = np.percentile(p, [0.5, 99.5], axis=0)
    centre, half = (lo + hi) / 2, float(np.max(hi - lo)) / 2 * (1 + pad) + 1e-6
    return (float(centre[0] - half), float(centre[0] + half), float(centre[1] - half),
            float(centre[1] + half))


def plot_samples(real, fake, path, title: str | None = None) -> None:
    fig, (ax,) = style.figure()
    scatter_samples(ax, real, fake, title)
    style.save(fig, path)


def image_grid(images, nrow: int = 8, pad: int = 1) -> np.ndarray:
    """(N, C, H, W) images in [-1, 1] as one (rows*H, nrow*W[, 3]) array in [0, 1]."""
    x = np.asarray(images.detach().cpu() if hasattr(images, "detach") else images, np.float32)
    x = np.clip((x + 1) / 2, 0, 1)
    n, c, h, w = x.shape
    rows = math.ceil(n / nrow)
    out = np.ones((c, rows * (h + pad) + pad, nrow * (w + pad) + pad), np.float32)
    for i in range(n):
        r, k = divmod(i, nrow)
        out[:, pad + r * (h + pad):pad + r * (h + pad) + h,
            pad + k * (w + pad):pad + k * (w + pad) + w] = x[i]
    return out[0] if c == 1 else out[:3].transpose(1, 2, 0)


def grid_png(grid: np.ndarray) -> bytes:
    """An ``image_grid`` array (values in [0, 1]) as PNG bytes, one pixel per array element."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray((np.clip(grid, 0, 1) * 255).round().astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def samples_png(fake, real=None, title: str | None = None) -> bytes:
    """Generated samples as PNG bytes: images (N, C, H, W) in [-1, 1] as a square grid of
    ceil(sqrt(N)) columns with 1-pixel white gaps; points (N, d) as a scatter plot (first two
    coordinates) over ``real``, held-out data, when given."""
    x = np.asarray(fake, np.float32)
    if x.ndim == 4:
        return grid_png(image_grid(x, nrow=math.ceil(math.sqrt(len(x)))))
    f = as_points(x)
    r = as_points(real) if real is not None and len(real) else None
    if f.shape[1] == 1:  # 1-D data: on a line
        f = np.c_[f, np.zeros(len(f))]
        r = None if r is None else np.c_[r, np.zeros(len(r))]
    fig, (ax,) = style.figure(size=5.0)
    if r is not None:
        scatter_samples(ax, r, f, title, extent=plot_extent(np.r_[r[:, :2], f[:, :2]]))
    else:
        ax.scatter(f[:, 0], f[:, 1], s=style.POINT_SIZE, c=style.FAKE, alpha=style.ALPHA,
                   linewidths=0)
        ax.set_aspect("equal")
        if title:
            ax.set_title(title, fontsize=9)
    return figure_png(fig)


def data_png(x, modes=None, title: str | None = None) -> bytes:
    """A dataset as PNG bytes: images (N, C, H, W) as a square grid; points as a scatter plot
    of the first two coordinates in the data's colour, with the mixture's modes when known."""
    x = np.asarray(x, np.float32)
    if x.ndim == 4:
        return grid_png(image_grid(x, nrow=math.ceil(math.sqrt(len(x)))))
    p = as_points(x)
    if p.shape[1] == 1:
        p = np.c_[p, np.zeros(len(p))]
    fig, (ax,) = style.figure(size=5.0)
    ax.scatter(p[:, 0], p[:, 1], s=style.POINT_SIZE, c=style.REAL, alpha=style.ALPHA,
               linewidths=0, label=f"{len(p)} points")
    if modes is not None:
        m = as_points(modes)
        ax.scatter(m[:, 0], m[:, 1], marker="x", s=30, c="black", linewidths=1,
                   label=f"{len(m)} mode centres")
    extent = plot_extent(p)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, markerscale=2)
    if title:
        ax.set_title(title, fontsize=9)
    return figure_png(fig)


def plot_image_samples(real, fake, path, title: str | None = None, n: int = 64) -> None:
    """Held-out images beside generated ones, ``n`` of each."""
    fig, axes = style.figure(ncols=2)
    for ax, x, name in zip(axes, (real[:n], fake[:n]), ("data (held-out)", "generated")):
        ax.imshow(image_grid(x), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=9)
    style.save(fig, path)


def plot_critic(ax, snap: dict, real=None, title: str | None = None, colorbar: bool = True,
                label: str = "critic D(x)") -> None:
    """Level sets of the critic on a grid, its gradient field, and the points of ``snap``."""
    x0, x1, y0, y1 = snap["extent"]
    grid = np.asarray(snap["grid"])
    n = grid.shape[0]
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    cs = ax.contourf(xs, ys, grid, levels=24, cmap=style.CRITIC_CMAP)
    ax.contour(xs, ys, grid, levels=12, colors="k", linewidths=0.3, alpha=0.4)
    if "arrows" in snap:
        ax_, ay_, u, v = (np.asarray(snap["arrows"][k]) for k in ("x", "y", "u", "v"))
        ax.quiver(ax_, ay_, u, v, color="k", alpha=0.6, angles="xy", pivot="mid",
                  width=0.004)
    if real is not None:
        r = as_points(real)
        ax.scatter(r[:, 0], r[:, 1], s=2, c=style.REAL, alpha=0.5, linewidths=0)
    f = as_points(snap["fake"])
    ax.scatter(f[:, 0], f[:, 1], s=2, c=style.FAKE, alpha=0.7, linewidths=0)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    if colorbar:
        cb = ax.figure.colorbar(cs, ax=ax, fraction=0.046, pad=0.04)
        cb.set_label(label, fontsize=8)
        cb.ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=9)


def split_history(history: list[dict]) -> tuple[list[dict], list[dict]]:
    train = [r for r in history if not r.get("eval")]
    evals = [r for r in history if r.get("eval")]
    return train, evals


def _series(records, key):
    pts = [(r["step"], r[key]) for r in records if isinstance(r.get(key), (int, float))]
    return ([p[0] for p in pts], [p[1] for p in pts]) if pts else ([], [])


#: what a method logs on training batches, under what name (the first present is drawn)
#: the methods' own estimates (``methods/specs.py``: JS, Le Cam), by their logged key
_OWN = {key: label for spec in METHODS.values() for key, label, _ in spec.estimate_rows}
TRAINING_SERIES = {"critic_gap": "critic gap (training batches)",
                   "w_estimate": "semi-dual value (training batches)",
                   "w2sq_estimate": "semi-dual value, W2^2 (training batches)",
                   **{k: f"{label} (training batches)" for k, label in _OWN.items()}}
#: what an evaluation reads on held-out points
HELD_OUT_SERIES = {"w_estimate": "critic estimate of W1 (held-out)",
                   "w2sq_estimate": "critic estimate of W2^2 (held-out)",
                   **{k: f"{label} (held-out)" for k, label in _OWN.items()}}


def plot_curves(history: list[dict], path=None, ceiling: tuple[float, str] | None = None,
                floor: float | None = None, title: str | None = None, axes=None,
                label: str | None = None):
    """Three panels against generator updates: estimate vs exact W, losses, gradient norms.
    ``ceiling``: (value, as written) of a divergence that saturates on disjoint supports (the
    method spec's), drawn as a line."""
    train, evals = split_history(history)
    own = axes is None
    if own:
        fig, axes = style.figure(3, size=3.6)
    ax_w, ax_l, ax_g = axes
    tag = f"{label}: " if label else ""
    line = None
    for key, name in TRAINING_SERIES.items():
        s, v = _series(train, key)
        if s:
            line = ax_w.plot(s, v, lw=1, alpha=0.7, label=tag + name)[0]
            break
    for key, name in HELD_OUT_SERIES.items():
        s, v = _series(evals, key)
        if s:
            ax_w.plot(s, v, "d-", ms=3, lw=1, label=tag + name,
                      color=line.get_color() if line is not None and label else None)
    s, v = _series(evals, "w1")
    if s:
        ax_w.plot(s, v, "o-", ms=3, lw=1.2,
                  color=line.get_color() if label and line is not None else style.FAKE,
                  label=tag + "exact W1 (held-out)")
    s, v = _series(evals, "w2")
    if s and not label:
        ax_w.plot(s, v, "s--", ms=3, lw=1, color="#59a14f", label="exact W2 (held-out)")
    if ceiling is not None:
        value, text = ceiling
        ax_w.axhline(value, color="grey", ls=":", lw=1, label=f"{text} (disjoint supports)")
    if floor is not None:
        ax_w.axhline(floor, color="k", ls=":", lw=1, label=f"W1 noise floor {floor:.3f}")
    ax_w.set_title("estimate and exact distance", fontsize=9)
    for k, st in (("loss_d", "-"), ("loss_g", "--")):
        s, v = _series(train, k)
        ax_l.plot(s, v, st, lw=1, label=tag + k)
    ax_l.set_title("losses", fontsize=9)
    for k, st in (("gnorm_real", "-"), ("gnorm_fake", "--"), ("gnorm_interp", ":")):
        s, v = _series(train, k)
        ax_g.plot(s, v, st, lw=1, label=tag + k.replace("gnorm_", "||grad D|| at "))
    s, v = _series(evals, "lip_max")
    if s:
        ax_g.plot(s, v, "^-", ms=3, lw=0.8, label=tag + "max on segments")
    ax_g.axhline(1.0, color="grey", ls=":", lw=1)
    ax_g.set_title("critic gradient norms", fontsize=9)
    for ax in axes:
        ax.set_xlabel("generator updates", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6)
    if own:
        if title:
            fig.suptitle(title, fontsize=10)
        if path is not None:
            style.save(fig, path)
        else:
            return fig
    return None


def animate(snaps: list[dict], real, path, title: str = "", fps: int = 4,
            label: str = "critic D(x)", targets=None) -> None:
    """GIF of samples and critic contours, one frame per snapshot (Pillow's GIF writer); with
    ``targets`` and snapshots holding Laguerre cells (sd-wgan), the cells beside the critic."""
    from PIL import Image

    frames = []
    for s in snaps:
        cells = targets is not None and "cells" in s
        fig, axes = style.figure(ncols=2 if cells else 1, size=4.2)
        plot_critic(axes[0], s, real, title=f"{title} step {int(s['step'])}", colorbar=False,
                    label=label)
        if cells:
            plot_laguerre(axes[1], s["cells"], tuple(s["extent"]), targets, s["fake"],
                          title="Laguerre cells")
        frames.append(Image.open(io.BytesIO(figure_png(fig))).convert("P", palette=1,
                                                                      colors=128))
    if frames:
        buf = io.BytesIO()
        frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:],
                       duration=1000 // fps, loop=0)
        atomic_write_bytes(path, buf.getvalue())


def figure_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=style.DPI)
    return buf.getvalue()


def target_colors(targets) -> np.ndarray:
    """An RGB colour per target: hue from its angle around the targets' centre, brightness
    from its distance, so that neighbouring cells get related colours."""
    import colorsys

    y = as_points(targets)[:, :2]
    d = y - y.mean(0)
    hue = (np.arctan2(d[:, 1], d[:, 0]) / (2 * np.pi)) % 1.0
    r = np.linalg.norm(d, axis=1)
    val = 0.55 + 0.45 * (r / (r.max() + 1e-12))
    return np.array([colorsys.hsv_to_rgb(h, 0.55, v) for h, v in zip(hue, val)])


def plot_laguerre(ax, cells, extent, targets, samples=None, weights=None,
                  title: str | None = None, boundaries: bool | None = None) -> None:
    """A Laguerre diagram: each pixel coloured by the target of its cell, with the targets
    (size ~ weight) and, optionally, samples of the continuous measure."""
    cells = np.asarray(cells)
    y = as_points(targets)
    colors = target_colors(y)
    img = colors[cells]
    if boundaries is None:
        boundaries = len(y) <= 2000
    if boundaries:
        edge = np.zeros(cells.shape, dtype=bool)
        edge[:-1, :] |= cells[:-1, :] != cells[1:, :]
        edge[:, :-1] |= cells[:, :-1] != cells[:, 1:]
        img[edge] = 0.15
    x0, x1, y0, y1 = extent
    ax.imshow(img, extent=(x0, x1, y0, y1), origin="lower", interpolation="nearest")
    if samples is not None:
        s = as_points(samples)
        ax.scatter(s[:, 0], s[:, 1], s=1.5, c=style.FAKE, alpha=0.6, linewidths=0)
    w = np.full(len(y), 1.0 / len(y)) if weights is None else np.asarray(weights)
    size = 6 + 60 * w / w.max() if len(y) <= 2000 else 1
    ax.scatter(y[:, 0], y[:, 1], s=size, c=style.REAL, edgecolors="white", linewidths=0.4)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=9)
