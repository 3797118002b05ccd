"""The critic's own number on held-out data: what it estimates, beside the exact value.

For a Wasserstein critic the number is the gap E[D(real)] - E[D(fake)]; a method whose critic
estimates something else (the GAN discriminator's Jensen-Shannon divergence, ...) passes its own
``estimate`` function in the context, so this module names no method.
"""

from __future__ import annotations

import torch

from .registry import Row, eval_mode, register


def critic_gap(s_real: torch.Tensor, s_fake: torch.Tensor) -> dict:
    return {"critic_estimate": float(s_real.mean() - s_fake.mean())}


@register("critic", rows=(Row("critic_estimate", "critic estimate E D(real) - E D(fake)"),
                          Row("critic_ratio", "critic estimate / exact value", "{:.3f}")))
@torch.no_grad()
def _critic(ctx) -> dict:
    D = ctx.critic
    dev = next(D.parameters()).device
    with eval_mode(D):
        s_real = D(ctx.encode(ctx.real.to(dev))).reshape(-1).double()
        s_fake = D(ctx.encode(ctx.fake.to(dev))).reshape(-1).double()
    return (ctx.estimate or critic_gap)(s_real, s_fake)
