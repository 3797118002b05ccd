"""Metrics behind a registry: each takes an ``EvalContext`` and returns a dict.

The training loop never computes a metric itself; it asks ``compute(names, ctx)``.  Metrics that
only need point clouds (``OT_METRICS``) can run on a background thread: POT's exact solver
releases the GIL, so they use the second core while training goes on.

| name      | returns |
|-----------|---------|
| w1, w2    | exact W1 / W2 between generated and held-out points (POT network simplex) |
| sliced    | sliced W2 (for large N or high dimension) |
| energy    | energy distance |
| critic    | Wasserstein methods: critic_estimate = E D(real) - E D(fake) on held-out data;
|           | GAN methods: js_estimate = (V + log 4) / 2 |
| lipschitz | segment estimate (lip_mean, lip_max, ...), gradient norms at real/fake/interpolates,
|           | largest singular value of every critic layer (sigma_max, sigma_product, sigma_layers) |
| modes     | mixtures only: modes covered, % high-quality, KL of the mode histogram to uniform |
| fid       | labelled image sets: Frechet distance in the features of otgan's own classifier |
| kid       | kernel (MMD^2) distance in the same features, mean and std over subsets |
| pr        | k-NN (k = 3) manifold precision and recall in the same features |
| classes   | classes covered by generated images, KL of their class histogram to uniform, and the
|           | confidence score exp(E KL(p(y|x) || p(y))) |
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from .lipschitz import (eval_mode, gradient_norm_stats, input_gradient_norms,
                        layer_spectral_norms, lipschitz_segments)
from . import images
from .modes import mode_coverage
from .ot import (OTNotConverged, energy_distance, sliced_wasserstein, wasserstein,
                 wasserstein1, wasserstein2)


def _identity(x):
    return x


@dataclass
class EvalContext:
    """What a metric may look at.  ``fake`` and ``real`` are in data coordinates."""

    fake: torch.Tensor
    real: torch.Tensor
    critic: torch.nn.Module | None = None
    #: maps data coordinates to the critic's input coordinates
    encode: Callable[[torch.Tensor], torch.Tensor] = _identity
    #: what the critic estimates: "W" or "JS" (a Method's ``estimates``)
    estimates: str = "W"
    #: mixture modes (K, d) and their sigma, when the data has them
    modes: torch.Tensor | None = None
    mode_sigma: float | None = None
    #: draws n fresh generated points (data coordinates) with the evaluation seed
    sample: Callable[[int], torch.Tensor] | None = None
    #: randomness of diagnostics (segments, interpolates), separate from training's stream
    generator: torch.Generator | None = None
    #: images only: the dataset's classifier (metrics.images.Classifier), loaded on first use
    classifier: Callable[[], torch.nn.Module | None] | None = None
    cache: dict = field(default_factory=dict)


METRICS: dict[str, Callable[[EvalContext], dict]] = {}
#: metrics that use only the point clouds (safe to run on a background thread)
OT_METRICS = ("w1", "w2", "sliced", "energy")


def register_metric(name: str):
    def deco(fn):
        METRICS[name] = fn
        return fn
    return deco


def check_names(names) -> tuple[str, ...]:
    names = tuple(names)
    for name in names:
        if name not in METRICS:
            raise ConfigError(f"unknown metric {name!r} (available: {', '.join(METRICS)})")
    return names


def compute(names, ctx: EvalContext) -> dict:
    """Run the named metrics in order; each one's results are visible to the next in ctx.cache."""
    out: dict = {}
    for name in check_names(names):
        res = METRICS[name](ctx)
        ctx.cache.update(res)
        out.update(res)
    return out


def default_metrics(has_modes: bool, image: bool = False, labels: bool = False,
                    ) -> tuple[str, ...]:
    """The metrics evaluated during training when ``metrics = auto``."""
    if image:
        return ("w1", "sliced", "critic") + (IMAGE_METRICS if labels else ())
    names = ["w1", "w2", "critic", "lipschitz"]
    if has_modes:
        names.append("modes")
    return tuple(names)


IMAGE_METRICS = ("fid", "kid", "pr", "classes")


# ----------------------------------------------------------------------------- registered
@register_metric("w1")
def _w1(ctx: EvalContext) -> dict:
    return {"w1": wasserstein1(ctx.fake, ctx.real)}


@register_metric("w2")
def _w2(ctx: EvalContext) -> dict:
    return {"w2": wasserstein2(ctx.fake, ctx.real)}


@register_metric("sliced")
def _sliced(ctx: EvalContext) -> dict:
    return {"sliced_w2": sliced_wasserstein(ctx.fake, ctx.real, n_projections=256, p=2)}


@register_metric("energy")
def _energy(ctx: EvalContext) -> dict:
    return {"energy": energy_distance(ctx.fake, ctx.real)}


@register_metric("critic")
@torch.no_grad()
def _critic(ctx: EvalContext) -> dict:
    """The critic's own estimate on held-out data (W, or JS for the GAN discriminator)."""
    D = ctx.critic
    dev = next(D.parameters()).device
    with eval_mode(D):
        s_real = D(ctx.encode(ctx.real.to(dev))).reshape(-1).double()
        s_fake = D(ctx.encode(ctx.fake.to(dev))).reshape(-1).double()
    if ctx.estimates == "JS":
        v = -(F.softplus(-s_real).mean() + F.softplus(s_fake).mean())
        return {"js_estimate": float((v + math.log(4.0)) / 2)}
    out = {"critic_estimate": float(s_real.mean() - s_fake.mean())}
    ref = exact_counterpart(ctx.cache, ctx.estimates)
    if ref and ctx.encode is _identity:
        out["critic_ratio"] = out["critic_estimate"] / ref
    return out


def exact_counterpart(values: dict, estimates: str) -> float | None:
    """The exact quantity a critic estimates: W1, or W2^2 for the quadratic semi-discrete cost."""
    if estimates == "W" and values.get("w1"):
        return values["w1"]
    if estimates == "W2^2" and values.get("w2"):
        return values["w2"] ** 2
    return None


@register_metric("lipschitz")
def _lipschitz(ctx: EvalContext) -> dict:
    D = ctx.critic
    dev = next(D.parameters()).device
    real, fake = ctx.encode(ctx.real.to(dev)), ctx.encode(ctx.fake.to(dev))
    n = min(real.shape[0], fake.shape[0])
    out = lipschitz_segments(D, real[:n], fake[:n], generator=ctx.generator)
    out.update(gradient_norm_stats(D, real[:n], fake[:n], generator=ctx.generator))
    sig = layer_spectral_norms(D)
    if sig:
        out["sigma_max"] = max(sig.values())
        out["sigma_product"] = float(math.prod(sig.values()))
        out["sigma_layers"] = sig
    return out


@register_metric("modes")
def _modes(ctx: EvalContext) -> dict:
    if ctx.modes is None:
        return {}
    pts = ctx.sample(2500) if ctx.sample is not None else ctx.fake
    return mode_coverage(pts, ctx.modes, ctx.mode_sigma)


def _embeddings(ctx: EvalContext):
    """Classifier features and probabilities of fake and real images (once per context)."""
    if "_embeddings" not in ctx.cache:
        model = ctx.classifier() if ctx.classifier is not None else None
        if model is None:
            raise ConfigError("image metrics need a labelled image dataset (mnist, "
                              "fashion-mnist, digits)")
        ctx.cache["_embeddings"] = (*model.embed(ctx.fake), *model.embed(ctx.real))
    return ctx.cache["_embeddings"]


@register_metric("fid")
def _fid(ctx: EvalContext) -> dict:
    f_fake, _, f_real, _ = _embeddings(ctx)
    return {"fid": images.frechet_distance(f_fake, f_real)}


@register_metric("kid")
def _kid(ctx: EvalContext) -> dict:
    f_fake, _, f_real, _ = _embeddings(ctx)
    mean, std = images.kernel_distance(f_fake, f_real)
    return {"kid": mean, "kid_std": std}


@register_metric("pr")
def _pr(ctx: EvalContext) -> dict:
    f_fake, _, f_real, _ = _embeddings(ctx)
    return images.precision_recall(f_fake, f_real)


@register_metric("classes")
def _classes(ctx: EvalContext) -> dict:
    _, p_fake, _, _ = _embeddings(ctx)
    out = images.class_coverage(p_fake)
    out["confidence"] = images.confidence_score(p_fake)
    return out


__all__ = ["IMAGE_METRICS", "EvalContext", "METRICS", "OTNotConverged", "OT_METRICS", "check_names", "compute",
           "default_metrics", "energy_distance", "gradient_norm_stats", "input_gradient_norms",
           "layer_spectral_norms", "lipschitz_segments", "mode_coverage", "register_metric",
           "sliced_wasserstein", "wasserstein", "wasserstein1", "wasserstein2"]
