"""The metric registry: each metric is one function of an ``EvalContext`` that returns a dict,
registered with what it applies to and how the report shows it.

The training loop, ``otgan eval`` and the report only read this registry; none of them knows how
a metric is computed (as in stylegan2-ada's ``metric_main``).  A new metric is one function in a
module of this package, decorated with ``@register``, and that module imported in
``metrics/__init__.py``.  ``compute`` times every metric and returns the seconds beside the
values, so the cost of an evaluation is visible per metric.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Callable

import torch

from ..errors import ConfigError


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


@dataclass(frozen=True)
class DataTraits:
    """What a metric may need from the data: images (C, H, W), known mixture modes, labels,
    and whether the critic is a dual vector over the training points (a partition of space into
    their cells), reads (x, z) pairs, or has an encoder beside the generator."""

    image: bool = False
    modes: bool = False
    labels: bool = False
    dual: bool = False
    #: the critic reads (x, z) pairs (BiGAN): metrics that score points with it do not apply
    joint: bool = False
    #: the generator has an encoder E: x -> z (the latent metrics, ``latent.py``)
    encoder: bool = False


# predicates on DataTraits, for ``applies`` and ``default``
def for_all(t: DataTraits) -> bool:
    return True


def for_none(t: DataTraits) -> bool:
    return False


def for_points(t: DataTraits) -> bool:
    return not t.image


def for_images(t: DataTraits) -> bool:
    return t.image


def for_mixtures(t: DataTraits) -> bool:
    return t.modes


def for_labelled_images(t: DataTraits) -> bool:
    return t.image and t.labels


def for_dual_critics(t: DataTraits) -> bool:
    return t.dual


def for_point_critics(t: DataTraits) -> bool:
    return not t.joint


def for_encoders(t: DataTraits) -> bool:
    return t.encoder


def for_labelled_image_encoders(t: DataTraits) -> bool:
    return t.encoder and t.image and t.labels


@dataclass(frozen=True)
class Row:
    """How the report shows one value a metric returns."""

    key: str
    label: str
    fmt: str = "{:.4f}"
    #: shown in the line `otgan train` prints at the end, not only in the report
    headline: bool = False


@dataclass(frozen=True)
class Metric:
    name: str
    fn: Callable[["EvalContext"], dict]
    #: the data it can be computed on
    applies: Callable[[DataTraits], bool]
    #: whether training evaluates it when ``metrics = auto``
    default: Callable[[DataTraits], bool]
    #: it reads only the two point clouds, so it may run on the background thread
    background: bool
    rows: tuple[Row, ...]


REGISTRY: dict[str, Metric] = {}


def register(name: str, *, applies=for_all, default=for_all, background: bool = False,
             rows: tuple[Row, ...] = ()):
    """Decorator: register ``fn(ctx) -> dict`` as the metric ``name``."""
    def deco(fn):
        if name in REGISTRY:
            raise ValueError(f"metric {name!r} registered twice")
        REGISTRY[name] = Metric(name, fn, applies, default, background, tuple(rows))
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
    #: class labels of ``real``, when the data has them
    real_labels: torch.Tensor | None = None
    #: () -> (training points, their labels): references for nearest-neighbour metrics
    train_labelled: Callable[[], tuple] | None = None
    #: every value computed so far in this context (metrics may read earlier ones)
    cache: dict = field(default_factory=dict)


def check_names(names) -> tuple[str, ...]:
    names = tuple(names)
    for name in names:
        if name not in REGISTRY:
            raise ConfigError(f"unknown metric {name!r} (available: {', '.join(REGISTRY)})")
    return names


def metric_names(traits: DataTraits, default_only: bool = False) -> tuple[str, ...]:
    """Registered metrics that apply to data with ``traits`` (only the defaults if asked)."""
    return tuple(m.name for m in REGISTRY.values()
                 if m.applies(traits) and (not default_only or m.default(traits)))


def compute(names, ctx: EvalContext, starting: Callable[[int, str], None] | None = None) -> dict:
    """Run the named metrics in order (each sees the earlier ones' values in ``ctx.cache``);
    returns their values, the derived values, and ``metric_seconds`` {name: wall seconds}.
    ``starting(i, name)`` is called before the i-th metric (a progress bar's hook)."""
    out: dict = {}
    seconds: dict[str, float] = {}
    for i, name in enumerate(check_names(names)):
        if starting is not None:
            starting(i, name)
        t0 = time.perf_counter()
        res = REGISTRY[name].fn(ctx)
        seconds[name] = round(time.perf_counter() - t0, 4)
        ctx.cache.update(res)
        out.update(res)
    derived = derive(ctx)
    ctx.cache.update(derived)
    out.update(derived)
    if seconds:
        out["metric_seconds"] = seconds
    return out


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


def report_rows() -> list[Row]:
    """Every registered metric's rows, in registration order."""
    return [row for m in REGISTRY.values() for row in m.rows]


def headline_rows() -> list[Row]:
    """The rows a one-line summary of a run shows (``Row.headline``), in registration order."""
    return [row for row in report_rows() if row.headline]
