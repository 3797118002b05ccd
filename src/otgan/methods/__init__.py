"""Training objectives, one module per Lipschitz mechanism, behind a name registry."""

from ..errors import ConfigError
from .base import Method, Wasserstein
from .clipping import WeightClipping
from .gan import GAN, NonSaturatingGAN
from .penalty import GradientPenalty, LipschitzPenalty
from .semidiscrete import SemiDiscrete
from .spectral import SpectralNorm

METHODS: dict[str, type[Method]] = {
    cls.name: cls
    for cls in (GAN, NonSaturatingGAN, WeightClipping, GradientPenalty, LipschitzPenalty,
                SpectralNorm, SemiDiscrete)
}


def register(cls: type[Method]) -> type[Method]:
    """Add a method class to the registry (usable as a decorator)."""
    if not cls.name or "default" not in cls.presets:
        raise ValueError("a method needs a name and a 'default' preset")
    METHODS[cls.name] = cls
    return cls


def get_method_class(name: str) -> type[Method]:
    try:
        return METHODS[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(METHODS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"method: unknown method {name!r} (choose from "
                          f"{', '.join(METHODS)}){hint}") from None


def make_method(cfg) -> Method:
    return get_method_class(cfg.method)(cfg)


__all__ = ["METHODS", "Method", "Wasserstein", "get_method_class", "make_method", "register"]
