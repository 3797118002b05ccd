"""One plotting style for every otgan figure.

Figures are built with matplotlib's object-oriented ``Figure`` (no pyplot), so importing otgan
never changes the user's backend, and figures can be drawn from any thread.
"""

from __future__ import annotations

from matplotlib.figure import Figure

REAL = "#1f4e79"  # dark blue: data, as in the course's figures
FAKE = "#f28e2b"  # orange: generated samples
CRITIC_CMAP = "RdBu_r"  # high critic values red (where the critic sees data), low blue
POINT_SIZE = 3
ALPHA = 0.5
DPI = 100


def figure(ncols: int = 1, size: float = 4.0, nrows: int = 1):
    fig = Figure(figsize=(size * ncols, size * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, (axes[0] if nrows == 1 else axes)


def save(fig, path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
