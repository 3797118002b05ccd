"""The field's mode-collapse benchmarks run as published, beside the published rows.

``run_mixtures`` (VEEGAN's and PacGAN's 2D ring and grid) and ``run_stacked_mnist`` (Stacked
MNIST's 1000 modes): seeds of every configuration trained as otgan sweeps of plain runs
(parallel over processes, resumable), measured by the protocol's own metric, written as
benchmark.json, table.md and a figure.  ``published`` holds the papers' rows as data.

The names below are imported on first use (PEP 562): ``command.py`` (the click group) loads
without PyTorch.
"""

from .._lazy import lazy_face

_WHERE = {"run_mixtures": ".mixtures", "run_stacked_mnist": ".stacked", "published": ".published",
          "Budget": ".runs"}
__getattr__, __dir__, __all__ = lazy_face(__name__, _WHERE)
