"""Package faces that import their names on first use (PEP 562).

A package whose face is lazy can be entered for a light module of its own (its ``specs.py``)
without loading the heavy ones (PyTorch); ``from otgan.methods import make_method`` still works,
and loads ``methods/registry.py`` then.
"""

import sys
from importlib import import_module


def lazy_face(package: str, where: dict[str, str]):
    """(``__getattr__``, ``__dir__``, ``__all__``) for package ``package`` whose names live in
    the modules ``where`` gives (name -> relative module, e.g. ``{"make_method": ".registry"}``)."""
    module = sys.modules[package]

    def __getattr__(name: str):
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(where[name], package), name)
        setattr(module, name, value)
        return value

    names = sorted(where)
    return __getattr__, (lambda: names), names
