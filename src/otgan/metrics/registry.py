"""The metric registry: each metric is one function of an ``EvalContext`` that returns a dict,
registered under the name of its spec (``specs.py``: what it applies to, how it is shown).

The training loop, ``otgan eval`` and the report only read the specs and this registry; none of
them knows how a metric is computed (as in stylegan2-ada's ``metric_main``).  A new metric is
its spec in ``specs.py`` and one function in a family module of this package, decorated with
``@register(name)`` (a new family module is imported in ``suite.py``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Callable

import torch

from .specs import METRICS


def identity(x):
    return x


@contextlib.contextmanager
def eval_mode(module: torch.nn.Module):
    """Run ``module`` in eval mode inside the block (no power iteration, no statistics update)."""
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


#: each metric's implementation, by the name of its spec (``specs.METRICS``)
REGISTRY: dict[str, Callable[["EvalContext"], dict]] = {}


def register(name: str):
    """Decorator: ``fn(ctx) -> dict`` computes the values of the metric whose spec is ``name``."""
    if name not in METRICS:
        raise ValueError(f"metric {name!r} has no spec in metrics/specs.py")

    def deco(fn):
        if name in REGISTRY:
            raise ValueError(f"metric {name!r} registered twice")
        REGISTRY[name] = fn
        return fn
    return deco


@dataclass
class EvalContext:
    """What a metric may look at.  ``fake`` and ``real`` are in data coordinates."""

    fake: torch.Tensor
    real: torch.Tensor
    critic: torch.nn.Module | None = None
    #: () -> the critic that estimates W (the training critic refined against the frozen
    #: generator), built when a metric first asks; None: ``critic``
    w_critic: Callable[[], torch.nn.Module | None] | None = None
    #: maps data coordinates to the critic's input coordinates
    encode: Callable[[torch.Tensor], torch.Tensor] = identity
    #: what the critic's number estimates ("W", "W2^2", "JS", ...: a Method's ``estimates``)
    estimates: str = "W"
    #: (critic, its scores of real, of fake) -> the critic's estimate as {key: value} (a
    #: Method's ``estimate``); None: the critic gap E D(real) - E D(fake) as ``critic_gap``
    estimate: Callable[[torch.nn.Module, torch.Tensor, torch.Tensor], dict] | None = None
    #: mixture modes (K, d) and their sigma, when the data has them
    modes: torch.Tensor | None = None
    mode_sigma: float | None = None
    #: draws n fresh generated points (data coordinates) with the evaluation seed
    sample: Callable[[int], torch.Tensor] | None = None
    #: randomness of diagnostics (segments, interpolates), separate from training's stream
    generator: torch.Generator | None = None
    #: images only: the dataset's classifier (metrics.images.Classifier), loaded on first use
    classifier: Callable[[], torch.nn.Module | None] | None = None
    #: data coordinates -> latent codes: the run's encoder (None: the run has none)
    to_latent: Callable[[torch.Tensor], torch.Tensor] | None = None
    #: latent codes -> data coordinates: the sampling generator
    from_latent: Callable[[torch.Tensor], torch.Tensor] | None = None
    #: n codes drawn from the latent law with the evaluation seed
    prior: Callable[[int], torch.Tensor] | None = None
    #: the critic reads latent points (``prior``), not data (AE-OT's dual over codes)
    critic_reads_latent: bool = False
    #: class labels of ``real``, when the data has them
    real_labels: torch.Tensor | None = None
    #: () -> (training points, their labels): references for nearest-neighbour metrics
    train_labelled: Callable[[], tuple] | None = None
    #: every value computed so far in this context (metrics may read earlier ones)
    cache: dict = field(default_factory=dict)


def w_estimate(critic_gap: float, slope: float) -> float | None:
    """Kantorovich-Rubinstein duality for a critic whose slope is not 1: an optimal W1 critic
    has slope 1 on the supports of both laws, so a critic close to K times one has gap K * W1
    and slope K there; gap / slope estimates W1, whatever K (weight clipping's, or the one a
    small gradient penalty lets grow).  None for a flat critic (slope 0: no estimate)."""
    return critic_gap / slope if slope > 0 else None


def derive(ctx: EvalContext) -> dict:
    """Values computed from other metrics' values, each once, when its inputs are known: every
    estimate's ratio to the exact value it estimates."""
    v, out = ctx.cache, {}
    est = v
    if est.get("w_estimate") is not None and v.get("w1") and "w_ratio" not in v:
        out["w_ratio"] = est["w_estimate"] / v["w1"]
    if "w2sq_estimate" in est and v.get("w2") and "w2sq_ratio" not in v:
        out["w2sq_ratio"] = est["w2sq_estimate"] / v["w2"] ** 2
    return out


def merge(record: dict, part: dict) -> dict:
    """Add one ``compute`` result to a record (its ``metric_seconds`` are merged, not replaced)."""
    seconds = {**record.get("metric_seconds", {}), **part.get("metric_seconds", {})}
    record.update(part)
    if seconds:
        record["metric_seconds"] = seconds
    return record
