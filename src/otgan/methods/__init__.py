"""Training objectives: each method's spec (``specs.py``: name, fields, presets, what it
estimates, without PyTorch), one module per objective and Lipschitz mechanism, and the registry
that pairs them (``registry.py``).

The names below are imported on first use (PEP 562), so that reading a method's spec (config
validation, ``otgan --help``) does not load PyTorch.
"""

from .._lazy import lazy_face

_WHERE = {"METHODS": ".specs", "MethodSpec": ".specs", "method_spec": ".specs",
          "readers": ".specs", "IMPLEMENTATIONS": ".registry", "get_method_class": ".registry",
          "make_method": ".registry", "Method": ".base", "Wasserstein": ".base"}
__getattr__, __dir__, __all__ = lazy_face(__name__, _WHERE)
