"""WGAN with a gradient penalty (Gulrajani et al. 2017) and its one-sided variant.

Interpolates x_hat = real + alpha * (fake - real), alpha ~ U[0, 1] per sample, are where the
optimal critic has unit gradient norm along transport segments.  The critic loss is

    E[D(fake)] - E[D(real)] + lambda * E[(||grad D(x_hat)|| - 1)^2]          (wgan-gp)
    E[D(fake)] - E[D(real)] + lambda * E[max(0, ||grad D(x_hat)|| - 1)^2]     (wgan-lp)

The one-sided form only penalizes norms above 1, which is what 1-Lipschitz asks for.
"""

import torch

from ..runtime.distributed import SINGLE, World, is_ddp
from ..runtime.precision import full_precision, upcast
from .base import Wasserstein, wasserstein_critic_loss


def interpolation_weights(real: torch.Tensor, world: World = SINGLE,
                          generator: torch.Generator | None = None) -> torch.Tensor:
    """One alpha ~ U[0, 1] per sample, shape (n, 1, ...), drawn for the global batch (each rank
    of a distributed run takes its rows)."""
    shape = (real.shape[0] * world.size,) + (1,) * (real.dim() - 1)
    return world.shard(torch.rand(shape, device=real.device, dtype=real.dtype,
                                  generator=generator))


def interpolates(real: torch.Tensor, fake: torch.Tensor,
                 alpha: torch.Tensor | None = None) -> torch.Tensor:
    """Points real + alpha * (fake - real) on the segments [real_i, fake_i] (alpha drawn from
    the global stream when not given)."""
    return torch.lerp(real, fake, interpolation_weights(real) if alpha is None else alpha)


def critic_input_gradients(critic, real, fake, x_hat, dim: int = 0):
    """Scores of real and fake, and grad_x D at x_hat (differentiable); ``dim`` is the sample
    axis (1 behind the member axis of a batched ensemble).

    Two forward passes: one over real and fake, one over the interpolates alone, so that the
    double backward runs through the interpolates' graph only (a third of the rows); for a
    convolutional critic this halves the cost of a critic update against one pass over all.
    Under bf16 autocast the interpolates' pass runs in fp32 (``full_precision``): the penalty
    compares a gradient norm with 1, and under DDP the single pass runs in fp32 entirely.
    """
    n = real.shape[dim]
    if is_ddp(critic):  # DDP: one forward pass per backward
        with full_precision(real):
            inp = upcast(torch.cat([real, fake, x_hat])).requires_grad_(True)
            out = critic(inp).reshape(-1)
            (grad,) = torch.autograd.grad(out[2 * n:].sum(), inp, create_graph=True)
        return out[:n], out[n:2 * n], grad[2 * n:]
    out = upcast(critic(torch.cat([real, fake], dim)))
    out = out.reshape(out.shape[:dim + 1])
    with full_precision(x_hat):
        x_hat = upcast(x_hat.detach()).requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return out[..., :n], out[..., n:], grad


def gradient_penalty(grad: torch.Tensor, one_sided: bool = False, dim: int = 0,
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """(penalty, per-sample gradient norms) for input gradients with samples on axis ``dim``."""
    norms = torch.linalg.vector_norm(grad.flatten(dim + 1), dim=-1)
    excess = norms - 1
    if one_sided:
        excess = excess.clamp_min(0)
    return (excess ** 2).mean(-1), norms


class GradientPenalty(Wasserstein):
    name = "wgan-gp"
    per_sample_critic = True
    one_sided = False

    def critic_noise(self, real, generator=None):
        return interpolation_weights(real, self.world, generator)

    def critic_loss(self, critic, real, fake, noise=None):
        alpha = self.critic_noise(real) if noise is None else noise
        x_hat = interpolates(real, fake, alpha)
        d_real, d_fake, grad = critic_input_gradients(critic, real, fake, x_hat, self.dim)
        penalty, norms = gradient_penalty(grad, self.one_sided, self.dim)
        loss, stats = wasserstein_critic_loss(d_real, d_fake, extra=self.cfg.gp_lambda * penalty)
        stats["penalty"] = penalty.detach()
        stats["grad_norm"] = norms.detach().mean(-1)
        return loss, stats


class LipschitzPenalty(GradientPenalty):
    name = "wgan-lp"
    one_sided = True
