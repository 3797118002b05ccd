"""The critic's own number on held-out data, and what it estimates beside the exact value.

For a Wasserstein critic the number is the gap E[D(real)] - E[D(fake)]: W1 times the critic's
slope (weight clipping's K, a penalty that lets the slope grow), so it is shown under its own
name, ``critic_gap``.  The estimate of W1, ``w_estimate``, divides a critic's gap by its slope
on the two supports (``w_estimate`` in ``registry``), read from ``ctx.w_critic``: the training
critic refined against the frozen generator, which training lags by design.  A critic whose
scores estimate the cost by themselves (the semi-dual of sd-wgan) is read twice: refined (its
method's ``refined_critic``: ``w_estimate``) and as trained (``w_estimate_training``, a lower
bound).  A method whose critic estimates something else (the GAN discriminator's
Jensen-Shannon divergence, ...) passes its own ``estimate`` function in the context, so this
module names no method.
"""

from __future__ import annotations

import torch

from .gradients import input_gradient_norms
from .registry import eval_mode, register, w_estimate


def critic_gap(s_real: torch.Tensor, s_fake: torch.Tensor) -> dict:
    return {"critic_gap": float(s_real.mean() - s_fake.mean())}


def _gap(critic, s_real: torch.Tensor, s_fake: torch.Tensor) -> dict:
    return critic_gap(s_real, s_fake)


#: values a critic's scores estimate by themselves (the semi-dual of sd-wgan)
OWN_ESTIMATES = ("w_estimate", "w2sq_estimate")


@torch.no_grad()
def _scores(D, ctx, dev, fake=None):
    fake = ctx.fake if fake is None else fake
    with eval_mode(D):
        s_real = D(ctx.encode(ctx.real.to(dev))).reshape(-1).double()
        s_fake = torch.cat([D(ctx.encode(part.to(dev))).reshape(-1).double()
                            for part in fake.split(65536)])
    return s_real, s_fake


def _estimate_points(ctx, critic):
    """Generated points for a semi-dual value E[psi^c] + sum nu psi: a difference of two terms of
    the size of psi's spread, so its Monte-Carlo error on the 2000 points of an evaluation is a
    quarter of W1 at convergence on 8gaussians; as many fresh points as 2^28 cost entries allow
    (200000 for 1000 targets, 4473 for MNIST's 60000)."""
    n = max(ctx.fake.shape[0], min(200_000, 2 ** 28 // max(getattr(critic, "n_targets", 1), 1)))
    return ctx.sample(n) if ctx.sample is not None and n > ctx.fake.shape[0] else ctx.fake


def slope(D, ctx, dev) -> float:
    """Mean ||grad D|| over held-out and generated points, in data coordinates."""
    x = torch.cat([ctx.real, ctx.fake]).to(dev)

    def f(v):
        return D(ctx.encode(v))

    with eval_mode(D):
        return float(input_gradient_norms(f, x).double().mean())


@register("critic")
def _critic(ctx) -> dict:
    D = ctx.critic
    dev = next(D.parameters()).device
    out = (ctx.estimate or _gap)(D, *_scores(D, ctx, dev))
    own = [k for k in OWN_ESTIMATES if k in out]
    if own:  # the critic's own value estimates the cost (the semi-dual): read it refined too
        W = ctx.w_critic() if ctx.w_critic is not None else None
        if W is not None:
            refined = ctx.estimate(W, *_scores(W, ctx, dev, _estimate_points(ctx, W)))
            out.update({f"{k}_training": out[k] for k in own})
            out.update({k: refined[k] for k in own})
    elif ctx.estimates == "W" and "w_estimate" not in out:
        W = (ctx.w_critic() if ctx.w_critic is not None else None) or D
        s_real, s_fake = _scores(W, ctx, dev) if W is not D else (None, None)
        gap = out["critic_gap"] if W is D else float(s_real.mean() - s_fake.mean())
        k = slope(W, ctx, dev)
        out.update(w_estimate=w_estimate(gap, k), w_critic_gap=gap, w_critic_slope=k)
    return out
