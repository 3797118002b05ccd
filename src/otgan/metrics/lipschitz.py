"""Lipschitz diagnostics of a critic: input-gradient norms, segment estimates, layer norms."""

from __future__ import annotations

import torch
from torch import nn


def input_gradient_norms(critic: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """||grad_x D(x)|| for every row of ``x`` (critic in its current mode, no graph kept)."""
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        (g,) = torch.autograd.grad(critic(x).sum(), x)
    return torch.linalg.vector_norm(g.flatten(1), dim=1)


def gradient_norm_stats(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                        generator: torch.Generator | None = None) -> dict[str, float]:
    """Gradient-norm statistics at real, fake and interpolated points.

    Runs the critic in eval mode (no spectral-norm power iteration, no state change) and draws
    the interpolation weights from ``generator`` so the training RNG stream is untouched.
    """
    was_training = critic.training
    critic.eval()
    try:
        shape = (real.shape[0],) + (1,) * (real.dim() - 1)
        alpha = torch.rand(shape, device=real.device, dtype=real.dtype, generator=generator)
        x_hat = torch.lerp(real, fake, alpha)
        n_real = input_gradient_norms(critic, real)
        n_fake = input_gradient_norms(critic, fake)
        n_hat = input_gradient_norms(critic, x_hat)
    finally:
        critic.train(was_training)
    return {
        "gnorm_real": float(n_real.mean()),
        "gnorm_fake": float(n_fake.mean()),
        "gnorm_interp": float(n_hat.mean()),
        "gnorm_interp_max": float(n_hat.max()),
        "gnorm_frac_above_1": float((n_hat > 1).float().mean()),
    }
