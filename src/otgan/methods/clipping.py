"""WGAN with weight clipping (Arjovsky, Chintala, Bottou 2017).

After every critic update each critic parameter is clamped to [-c, c]; the set of such weights is
compact, so the critic is K-Lipschitz for some K that depends on c and the architecture, and the
critic estimates K * W1 rather than W1.
"""

import torch

from .base import Wasserstein


@torch.no_grad()
def clip_(params, c) -> None:
    """Clamp every tensor of ``params`` to [-c, c] in place.  ``c`` is a number, or one value per
    member (K,) for stacked (K, ...) tensors: two broadcast passes then (``torch.clamp`` with
    tensor bounds was 7x slower)."""
    if isinstance(c, torch.Tensor):
        bounds = {}
        for p in params:
            if p.dim() not in bounds:
                col = c.to(p).reshape((-1,) + (1,) * (p.dim() - 1))
                bounds[p.dim()] = (-col, col)
            low, high = bounds[p.dim()]
            torch.maximum(p, low, out=p)
            torch.minimum(p, high, out=p)
    else:
        for p in params:
            p.clamp_(-c, c)


class WeightClipping(Wasserstein):
    name = "wgan-clip"

    def after_critic_step(self, critic):
        clip_(critic.parameters(), self.cfg.clip)
