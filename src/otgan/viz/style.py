"""One plotting style for every otgan figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; no display needed

import matplotlib.pyplot as plt  # noqa: E402

REAL = "#1f4e79"  # dark blue: data, as in the course's figures
FAKE = "#f28e2b"  # orange: generated samples
POINT_SIZE = 3
ALPHA = 0.5


def figure(ncols: int = 1, size: float = 4.0):
    fig, axes = plt.subplots(1, ncols, figsize=(size * ncols, size), squeeze=False)
    return fig, axes[0]


def save(fig, path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
