"""otgan: generative modeling with optimal transport.

Train Wasserstein GANs with every classic Lipschitz mechanism, see what the critic learned, and
measure the result against the exact Wasserstein distance.

The names below are imported on first use (PEP 562), so ``import otgan`` and the ``otgan``
command start without loading PyTorch until something needs it.
"""

from importlib import import_module

from ._version import __version__ as __version__

_WHERE = {
    "Run": ".api", "fit_critic": ".api", "load_run": ".api", "make_config": ".api",
    "resume": ".api", "solve": ".api", "train": ".api", "evaluate": ".api",
    "describe_networks": ".api",
    "TrainConfig": ".config",
    "Dataset": ".data", "from_tensors": ".data", "load_dataset": ".data",
    "OtganError": ".errors",
    "energy_distance": ".metrics", "sliced_wasserstein": ".metrics", "wasserstein": ".metrics",
    "wasserstein1": ".metrics", "wasserstein2": ".metrics",
}

__all__ = sorted([*_WHERE, "__version__"])


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'otgan' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
