"""One plotting style for every otgan figure.

Figures are built with matplotlib's object-oriented ``Figure`` (no pyplot), so importing otgan
never changes the user's backend, and figures can be drawn from any thread.
"""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.figure import Figure

from ..fileio import atomic_write_bytes

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
    """``fig`` into ``path`` (the format its suffix names), atomically: a file that could not
    be written whole (a full disk) is not left half-written, and the error names it."""
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, dpi=DPI, format=Path(path).suffix[1:].lower() or "png")
    atomic_write_bytes(path, buf.getvalue())
