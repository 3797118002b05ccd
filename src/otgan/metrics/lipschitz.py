"""Lipschitz diagnostics of a critic: input-gradient norms, segment estimates, layer norms.

Every function runs the critic in eval mode (no spectral-norm power iteration, no state change)
and takes its randomness from an explicit ``torch.Generator`` so that diagnosing a critic never
shifts the training RNG stream.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .gradients import input_gradient_norms
from .registry import eval_mode, identity, register


def _alpha(n: int, like: torch.Tensor, generator=None) -> torch.Tensor:
    shape = (n,) + (1,) * (like.dim() - 1)
    return torch.rand(shape, device=like.device, dtype=like.dtype, generator=generator)


def gradient_norm_stats(critic: nn.Module, real: torch.Tensor | None, fake: torch.Tensor,
                        generator: torch.Generator | None = None) -> dict[str, float]:
    """Gradient-norm statistics at real, fake and interpolated points (x_hat as in WGAN-GP);
    at fake points only when there is no batch of data (``real`` None: the semi-discrete
    critic, whose training draws none)."""
    with eval_mode(critic):
        n_fake = input_gradient_norms(critic, fake)
        if real is None:
            return {"gnorm_fake": float(n_fake.mean())}
        x_hat = torch.lerp(real, fake, _alpha(real.shape[0], real, generator))
        n_real = input_gradient_norms(critic, real)
        n_hat = input_gradient_norms(critic, x_hat)
    return {
        "gnorm_real": float(n_real.mean()),
        "gnorm_fake": float(n_fake.mean()),
        "gnorm_interp": float(n_hat.mean()),
        "gnorm_interp_max": float(n_hat.max()),
        "gnorm_frac_above_1": float((n_hat > 1).float().mean()),
    }


def lipschitz_segments(critic: nn.Module, x: torch.Tensor, y: torch.Tensor,
                       max_pairs: int = 65536, generator: torch.Generator | None = None,
                       ) -> dict[str, float]:
    """The course's ``lipconstant`` estimate: gradient norms on segments between all pairs.

    For every pair (x_i, y_j) a point a_ij = (1 - u) x_i + u y_j, u ~ U[0, 1], is drawn and
    ||grad D(a_ij)|| computed.  ``lip_mean`` is the course's value (the mean), ``lip_max`` the
    largest norm seen (a lower bound of the Lipschitz constant on the segments' hull).  When
    m * n exceeds ``max_pairs`` the first sqrt(max_pairs) points of each side are used.
    """
    k = max(1, int(math.isqrt(max_pairs)))
    x, y = x[:k], y[:k]
    m, n = x.shape[0], y.shape[0]
    u = torch.rand((m, n) + (1,) * (x.dim() - 1), device=x.device, dtype=x.dtype,
                   generator=generator)
    pts = ((1 - u) * x[:, None] + u * y[None, :]).flatten(0, 1)
    with eval_mode(critic):
        norms = input_gradient_norms(critic, pts)
    q = torch.quantile(norms.double(), torch.tensor([0.5, 0.99], dtype=torch.float64,
                                                     device=norms.device))
    return {"lip_mean": float(norms.mean()), "lip_max": float(norms.max()),
            "lip_median": float(q[0]), "lip_q99": float(q[1]),
            "lip_frac_above_1": float((norms > 1).float().mean())}


LINEAR_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d,
                 nn.ConvTranspose2d, nn.ConvTranspose3d)


@torch.no_grad()
def layer_spectral_norms(critic: nn.Module) -> dict[str, float]:
    """Largest singular value of every Linear/Conv weight (the effective weight, after any
    spectral normalization), the weight reshaped to (out, -1) for convolutions as SN-GAN does.

    The product of these is an upper bound of the critic's Lipschitz constant when its
    activations are 1-Lipschitz (Linear layers; for convolutions the reshaped norm is a proxy).
    """
    out = {}
    with eval_mode(critic):
        for name, layer in critic.named_modules():
            if isinstance(layer, LINEAR_LAYERS):
                w = layer.weight.detach().double()
                w = w.reshape(w.shape[0], -1) if w.dim() > 2 else w
                out[name or "layer"] = float(torch.linalg.matrix_norm(w, ord=2))
    return out


class _Composed(nn.Module):
    """x -> critic(encode(x)): the critic seen from data coordinates."""

    def __init__(self, critic: nn.Module, encode):
        super().__init__()
        self.critic, self.encode = critic, encode

    def forward(self, x):
        return self.critic(self.encode(x))


@register("lipschitz")
def _lipschitz(ctx) -> dict:
    """Slopes of the critic as a function of data coordinates (through ``encode``), so that
    the gap divided by them is in the units of the exact W1."""
    D = ctx.critic
    dev = next(D.parameters()).device
    real, fake = ctx.real.to(dev), ctx.fake.to(dev)
    n = min(real.shape[0], fake.shape[0])
    f = D if ctx.encode is identity else _Composed(D, ctx.encode)
    with eval_mode(D):
        out = lipschitz_segments(f, real[:n], fake[:n], generator=ctx.generator)
        out.update(gradient_norm_stats(f, real[:n], fake[:n], generator=ctx.generator))
    sig = layer_spectral_norms(D)
    if sig:
        out["sigma_max"] = max(sig.values())
        out["sigma_product"] = float(math.prod(sig.values()))
        out["sigma_layers"] = sig
    return out
