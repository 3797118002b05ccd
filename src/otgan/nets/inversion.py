"""Latent inversion by optimization, for generators without an encoder.

``invert(G, x)`` solves z_i = argmin_z ||G(z) - x_i||^2 for every row of ``x`` at once: Adam on
the batch of codes (each code's gradient depends on its own row only, and Adam's update is
per coordinate, so the batch is n independent problems solved together), ``steps`` updates
(``STEPS`` = 500 by default) with the learning rate decayed linearly from ``lr`` to 0, starting
from the centre of the latent law (0 for the Gaussian, 1/2 for the uniform law, whose codes are
kept in [0, 1]^k).  The generator is run in eval mode and is not changed.  The problem is not
convex: a code found is a local minimum; for an invertible generator near its inverse it is
the inverse (tests/nets/test_inversion.py).
"""

from __future__ import annotations

import torch
from torch import nn

#: Adam updates per code, and the initial learning rate
STEPS = 500
LR = 0.1


def invert(generator: nn.Module, x: torch.Tensor, latent_dim: int, *, steps: int = STEPS,
           lr: float = LR, latent: str = "gaussian", chunk: int = 4096) -> torch.Tensor:
    """Codes z (n, latent_dim) minimizing ||G(z) - x||^2 row by row; ``x`` in the generator's
    output coordinates, on its device; ``chunk`` rows are solved at a time."""
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    was_training = generator.training
    generator.eval()
    flags = [p.requires_grad for p in generator.parameters()]
    generator.requires_grad_(False)
    try:
        parts = [_invert_chunk(generator, x[i:i + chunk], latent_dim, steps, lr, latent)
                 for i in range(0, x.shape[0], chunk)]
    finally:
        for p, f in zip(generator.parameters(), flags):
            p.requires_grad_(f)
        generator.train(was_training)
    return torch.cat(parts) if parts else x.new_zeros((0, latent_dim))


def _invert_chunk(G, x, latent_dim, steps, lr, latent):
    start = 0.5 if latent == "uniform" else 0.0
    z = torch.full((x.shape[0], latent_dim), start, device=x.device, dtype=x.dtype,
                   requires_grad=True)
    opt = torch.optim.Adam([z], lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1 - t / max(steps, 1))
    target = x.detach()
    with torch.enable_grad():
        for _ in range(steps):
            loss = (G(z) - target).pow(2).flatten(1).sum(1).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if latent == "uniform":
                with torch.no_grad():
                    z.clamp_(0.0, 1.0)
    return z.detach()
