"""Discriminator optimal transport (Tanaka 2019, "Discriminator optimal transport"): generated
samples moved by the trained critic at sampling time.

A generated sample y (in the model's coordinates) moves to an approximate minimizer of

    |x - y| - D(x) / k,

the critic's c-transform at y for the euclidean cost (the course's object), found by ``steps``
Adam updates of x started at y.  ``k`` is the critic's Lipschitz constant: given, or estimated as
Tanaka's k_eff, the largest slope |D(x) - D(y)| / |x - y| over pairs of a real and a generated
sample, times ``k_scale`` (1: DOT as published; a smaller k weighs the critic more than the
distance moved, so that samples climb further toward the critic's maxima).  A sample moves where the critic rises faster than k toward it: a point of a thin bridge
between two modes slides onto the nearer mode, a point already on a mode stays.  ``|.|`` is
smoothed as sqrt(|.|^2 + eps^2) so that its gradient is defined at x = y.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..errors import ConfigError
from ..fields import MAX_K_SCALE, MAX_REFINE_LR, MAX_REFINE_STEPS, MIN_K_SCALE

#: a given Lipschitz constant k beyond these bounds makes D(x)/k over- or underflow
MIN_K, MAX_K = 1e-12, 1e12

EPS = 1e-3


@dataclass(frozen=True)
class Refinement:
    """How ``Run.sample(..., refine=...)`` moves its samples (``steps`` 0: not at all)."""

    steps: int = 50
    lr: float = 0.01
    #: the critic's Lipschitz constant; None: ``k_scale`` times k_eff, estimated on real and
    #: generated samples
    k: float | None = None
    #: k_eff's factor when ``k`` is None: 1 is Tanaka's DOT; below 1 the critic weighs more
    #: than the distance moved (0.1 reaches the modes of the 2D mixtures: docs/benchmarks.md)
    k_scale: float = 1.0

    def __post_init__(self):
        """The bounds the CLI's options check (``fields.py``), for every caller: NaN and the
        infinities refused, and k's factor kept where D(x)/k neither over- nor underflows."""
        def real(v, lo, hi):
            return isinstance(v, (int, float)) and not isinstance(v, bool) \
                and math.isfinite(v) and lo <= v <= hi

        ok = (isinstance(self.steps, int) and not isinstance(self.steps, bool)
              and 0 <= self.steps <= MAX_REFINE_STEPS
              and real(self.lr, 0, MAX_REFINE_LR) and self.lr > 0
              and (self.k is None or (real(self.k, MIN_K, MAX_K)))
              and real(self.k_scale, MIN_K_SCALE, MAX_K_SCALE))
        if not ok:
            raise ConfigError(f"refinement: steps must be between 0 and {MAX_REFINE_STEPS}, lr "
                              f"> 0 and <= {MAX_REFINE_LR:g}, k between {MIN_K:g} and "
                              f"{MAX_K:g}, k_scale between {MIN_K_SCALE:g} and "
                              f"{MAX_K_SCALE:g} (got steps={self.steps}, lr={self.lr}, "
                              f"k={self.k}, k_scale={self.k_scale})")


def as_refinement(value) -> Refinement | None:
    """None, a ``Refinement``, a number of steps or a mapping of its fields."""
    if value is None or value is False:
        return None
    if isinstance(value, Refinement):
        return value
    if isinstance(value, bool):
        return Refinement()
    if isinstance(value, int):
        return Refinement(steps=value)
    if isinstance(value, dict):
        unknown = set(value) - {"steps", "lr", "k", "k_scale"}
        if unknown:
            raise ConfigError(f"refinement: unknown keys {sorted(unknown)} (steps, lr, k, "
                              f"k_scale)")
        return Refinement(**value)
    raise ConfigError(f"refinement: expected a number of steps or a mapping, got {value!r}")


def _scores(critic, x: torch.Tensor) -> torch.Tensor:
    return critic(x).reshape(x.shape[0], -1)[:, 0]


@torch.no_grad()
def lipschitz_estimate(critic, real: torch.Tensor, fake: torch.Tensor) -> float:
    """k_eff: the largest |D(x) - D(y)| / |x - y| over every pair of a row of ``real`` and a
    row of ``fake``."""
    dr, df = _scores(critic, real), _scores(critic, fake)
    dist = torch.cdist(real.flatten(1).double(), fake.flatten(1).double())
    slope = (dr[:, None] - df[None, :]).double().abs() / dist.clamp_min(1e-12)
    return float(slope.max())


def refine(critic, y: torch.Tensor, k: float, steps: int, lr: float = 0.01,
           chunk: int = 4096) -> torch.Tensor:
    """Each row of ``y`` moved toward argmin_x |x - y| - D(x) / k (``steps`` Adam updates).
    The critic is read in eval mode and left as it was; its parameters get no gradient."""
    if steps <= 0:
        return y.detach().clone()
    was = critic.training
    critic.eval()
    out = []
    try:
        for i in range(0, y.shape[0], chunk):
            y0 = y[i:i + chunk].detach()
            x = y0.clone().requires_grad_(True)
            opt = torch.optim.Adam([x], lr=lr)
            for _ in range(steps):
                cost = ((x - y0).flatten(1).pow(2).sum(1) + EPS ** 2).sqrt()
                loss = (cost - _scores(critic, x) / k).sum()
                (grad,) = torch.autograd.grad(loss, [x])
                x.grad = grad
                opt.step()
            out.append(x.detach())
    finally:
        critic.train(was)
    return torch.cat(out) if out else y.detach().clone()
