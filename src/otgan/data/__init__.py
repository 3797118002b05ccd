"""Datasets: the built-in sets' specs (``specs.py``, without PyTorch), the ``Dataset`` and its
loading (``dataset.py``), toy samplers, image sources, user files, normalization, summaries.

The names below are imported on first use (PEP 562), so that checking a data name
(``specs.py``) does not load PyTorch.
"""

from .._lazy import lazy_face

_WHERE = {"Dataset": ".dataset", "load_dataset": ".dataset", "from_tensors": ".dataset",
          "weighted": ".dataset", "DATASETS": ".specs", "IMAGE_SETS": ".specs",
          "POINT_SETS": ".specs", "TOY": ".toy"}
__getattr__, __dir__, __all__ = lazy_face(__name__, _WHERE)
