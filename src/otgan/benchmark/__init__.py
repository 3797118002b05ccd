"""The field's mode-collapse benchmarks run as published, beside the published rows.

``run_mixtures`` (VEEGAN's and PacGAN's 2D ring and grid) and ``run_stacked_mnist`` (Stacked
MNIST's 1000 modes): seeds of every configuration trained as otgan sweeps of plain runs
(parallel over processes, resumable), measured by the protocol's own metric, written as
benchmark.json, table.md and a figure.  ``published`` holds the papers' rows as data.
"""

from .mixtures import run_mixtures
from .published import published

__all__ = ["run_mixtures", "published"]
