"""Each method's implementation, by the name of its spec (``specs.py``).

Adding a method: its spec in ``specs.py``, its class in a module of its own, one line below,
its tests in ``tests/methods/`` and its row in docs/methods.md.
"""

from ..runtime.distributed import SINGLE
from .aeot import AEOT
from .base import Method
from .bigan import BiGAN, BiGANGradientPenalty
from .clipping import WeightClipping
from .gan import GAN, NonSaturatingGAN
from .lsgan import LeastSquaresGAN
from .penalty import GradientPenalty, LipschitzPenalty
from .r1 import R1GAN
from .semidiscrete import SemiDiscrete
from .specs import METHODS as SPECS
from .specs import method_spec
from .spectral import SpectralNorm

IMPLEMENTATIONS: dict[str, type[Method]] = {
    cls.name: cls
    for cls in (GAN, NonSaturatingGAN, R1GAN, LeastSquaresGAN, WeightClipping, GradientPenalty,
                LipschitzPenalty, SpectralNorm, SemiDiscrete, BiGAN, BiGANGradientPenalty, AEOT)
}
if list(IMPLEMENTATIONS) != list(SPECS):  # pragma: no cover - a method added on one side only
    raise ImportError(f"methods and specs differ: {sorted(set(IMPLEMENTATIONS) ^ set(SPECS))}")


def get_method_class(name: str) -> type[Method]:
    """The implementation of method ``name`` (a misspelt name: ConfigError naming the closest)."""
    return IMPLEMENTATIONS[method_spec(name).name]


def make_method(cfg, world=None, batched: bool = False) -> Method:
    """The method ``cfg.method``, for a run in ``world`` (one process by default); ``batched``:
    for an ensemble's stacked tensors."""
    return get_method_class(cfg.method)(cfg, world or SINGLE, batched)


__all__ = ["IMPLEMENTATIONS", "get_method_class", "make_method"]
