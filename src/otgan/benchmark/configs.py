"""The benchmarks' configurations (a method and a preset), read and checked without PyTorch."""

from __future__ import annotations

from ..config import resolve
from ..errors import ConfigError


def parse_configs(methods, presets=("default",)) -> list[tuple[str, str]]:
    """``["wgan-gp", "sngan:paper"]`` x presets -> [(method, preset), ...]: a method named with
    ``:PRESET`` keeps its own preset, the others take each of ``presets``; every pair checked."""
    out = []
    for spec in methods:
        name, _, own = spec.partition(":")
        for preset in ([own] if own else list(presets)):
            pair = (name.strip(), preset.strip())
            if pair not in out:
                out.append(pair)
    if not out:
        raise ConfigError("benchmark: no method given")
    return out


def check_configs(configs, data: str, extra: dict) -> None:
    """Every (method, preset) resolved once before any training: a bad one fails fast, named."""
    for method, preset in configs:
        resolve({"data": data, "method": method, "preset": preset, **extra})
