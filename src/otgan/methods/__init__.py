"""Training objectives, one module per objective and Lipschitz mechanism, behind one registry.

Adding a method: its module here, one line in ``METHODS`` below, its config fields (in
``otgan.config``, named in the class's ``params``), its tests and its row in docs/methods.md.
"""

from ..errors import ConfigError
from ..runtime.distributed import SINGLE
from .base import Method, Wasserstein
from .bigan import BiGAN, BiGANGradientPenalty
from .clipping import WeightClipping
from .gan import GAN, NonSaturatingGAN
from .lsgan import LeastSquaresGAN
from .penalty import GradientPenalty, LipschitzPenalty
from .semidiscrete import SemiDiscrete
from .spectral import SpectralNorm

METHODS: dict[str, type[Method]] = {
    cls.name: cls
    for cls in (GAN, NonSaturatingGAN, LeastSquaresGAN, WeightClipping, GradientPenalty,
                LipschitzPenalty, SpectralNorm, SemiDiscrete, BiGAN, BiGANGradientPenalty)
}


def get_method_class(name: str) -> type[Method]:
    try:
        return METHODS[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(METHODS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"method: unknown method {name!r} (choose from "
                          f"{', '.join(METHODS)}){hint}") from None


def make_method(cfg, world=None, batched: bool = False) -> Method:
    """The method ``cfg.method``, for a run in ``world`` (one process by default); ``batched``:
    for an ensemble's stacked tensors."""
    return get_method_class(cfg.method)(cfg, world or SINGLE, batched)


def readers(field: str) -> list[str]:
    """The methods that read a method-specific config field (empty for general fields)."""
    return [name for name, cls in METHODS.items() if field in cls.params]


__all__ = ["METHODS", "Method", "Wasserstein", "get_method_class", "make_method", "readers"]
