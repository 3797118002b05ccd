"""The method seam: a GAN objective is a small object the training loop calls.

The loop knows nothing of a method's name.  It calls, for each critic update,
``critic_loss(critic, real, fake)`` then ``after_critic_step(critic)``, and for each generator
update ``generator_loss(critic, fake)``.  ``prepare_critic`` runs once, before the optimizer is
built (spectral normalization wraps the layers there).

Sign convention, used everywhere in otgan: the critic D *maximizes* E[D(real)] - E[D(fake)],
so every critic loss is a quantity to *minimize* (E[D(fake)] - E[D(real)] + regularizer), and the
generator minimizes -E[D(fake)].  ``tests/methods`` checks these signs on closed-form critics.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from ..training.precision import upcast


class Method:
    """Base class of every objective; subclasses set the class attributes below."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    #: config fields this method reads beyond the general ones (see config.METHOD_SPECIFIC)
    params: ClassVar[tuple[str, ...]] = ()
    #: named hyperparameter sets: field -> value; every method has "default" and "paper"
    presets: ClassVar[dict[str, dict]] = {}
    #: what the critic's estimate is: "W" (W1), "W2^2" or "JS" (Jensen-Shannon)
    estimates: str = "W"
    #: whether the critic must treat samples independently (gradient penalties)
    per_sample_critic: ClassVar[bool] = False
    #: whether ``build_critic`` makes the critic from the training data (no network)
    critic_from_data: ClassVar[bool] = False

    def __init__(self, cfg):
        self.cfg = cfg

    def build_critic(self, train: torch.Tensor) -> nn.Module | None:
        """A critic of the method's own, built from the training data (model coordinates);
        None means the configured network (the default)."""
        return None

    def prepare_critic(self, critic: nn.Module) -> nn.Module:
        """Attach the Lipschitz mechanism to a freshly built critic (default: nothing)."""
        return critic

    def make_critic_optimizer(self, critic: nn.Module):
        """The critic's optimizer if the method prescribes one (None: the configured one)."""
        return None

    def critic_loss(self, critic: nn.Module, real: torch.Tensor, fake: torch.Tensor):
        """Return (loss to minimize, dict of detached scalar tensors for logging)."""
        raise NotImplementedError

    def generator_loss(self, critic: nn.Module, fake: torch.Tensor):
        """Return the generator's loss, or (loss, dict of detached scalars for logging)."""
        raise NotImplementedError

    def state_dict(self) -> dict:
        """Method state that a checkpoint must hold (default: none)."""
        return {}

    def load_state_dict(self, sd: dict) -> None:
        pass

    def after_critic_step(self, critic: nn.Module) -> None:
        """Runs after every critic optimizer step (weight clipping lives here)."""


def split_scores(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor):
    """Critic scores of real and fake points from one forward pass over both.

    One pass over the concatenation costs about what one pass over a single batch costs for small
    networks (per-op overhead dominates), and it applies one power iteration per update under
    spectral normalization, as the SN-GAN paper does.
    """
    out = upcast(critic(torch.cat([real, fake])).reshape(-1))  # fp32 under autocast
    n = real.shape[0]
    return out[:n], out[n:]


class Wasserstein(Method):
    """Kantorovich-Rubinstein dual: max_D E[D(real)] - E[D(fake)] over (nearly) 1-Lipschitz D."""

    def critic_loss(self, critic, real, fake):
        d_real, d_fake = split_scores(critic, real, fake)
        return wasserstein_critic_loss(d_real, d_fake)

    def generator_loss(self, critic, fake):
        return -upcast(critic(fake)).mean()


def wasserstein_critic_loss(d_real: torch.Tensor, d_fake: torch.Tensor, extra=None):
    """E[D(fake)] - E[D(real)] (+ ``extra``), with the estimate of W for logging."""
    m_real, m_fake = d_real.mean(), d_fake.mean()
    estimate = m_real - m_fake
    loss = -estimate if extra is None else extra - estimate
    stats = {"d_real": m_real.detach(), "d_fake": m_fake.detach(), "estimate": estimate.detach()}
    return loss, stats
