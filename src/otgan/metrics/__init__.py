"""Metrics behind a registry: each takes an ``EvalContext`` and returns a dict of floats.

The training loop only calls ``compute(names, ctx)``; how a metric is computed lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

from ..errors import ConfigError
from .lipschitz import gradient_norm_stats, input_gradient_norms
from .ot import (OTNotConverged, energy_distance, sliced_wasserstein, wasserstein,
                 wasserstein1, wasserstein2)


@dataclass
class EvalContext:
    """What a metric may look at.  ``fake`` and ``real`` are in data coordinates."""

    fake: torch.Tensor
    real: torch.Tensor
    critic: torch.nn.Module | None = None
    #: maps data coordinates to the critic's input coordinates
    encode: Callable[[torch.Tensor], torch.Tensor] = lambda x: x
    method: object = None
    dataset: object = None
    cache: dict = field(default_factory=dict)


METRICS: dict[str, Callable[[EvalContext], dict]] = {}


def register_metric(name: str):
    def deco(fn):
        METRICS[name] = fn
        return fn
    return deco


def compute(names, ctx: EvalContext) -> dict:
    out: dict = {}
    for name in names:
        if name not in METRICS:
            raise ConfigError(f"unknown metric {name!r} (available: {', '.join(METRICS)})")
        out.update(METRICS[name](ctx))
    return out


@register_metric("w1")
def _w1(ctx: EvalContext) -> dict:
    """Exact W1 between generated and held-out points."""
    return {"w1": wasserstein1(ctx.fake, ctx.real)}


__all__ = ["EvalContext", "METRICS", "OTNotConverged", "compute", "energy_distance",
           "gradient_norm_stats", "input_gradient_norms", "register_metric",
           "sliced_wasserstein", "wasserstein", "wasserstein1", "wasserstein2"]
