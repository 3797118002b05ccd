"""The method seam: a GAN objective is a small object the training loop calls.

The loop knows nothing of a method's name.  It calls, for each critic update,
``critic_inputs(generator, real, z)`` (the points the critic compares: data and G(z), or BiGAN's
(x, z) pairs), ``critic_loss(critic, real, fake)`` then ``after_critic_step(critic)``, and for
each generator update ``generator_loss(critic, fake, real)``; both losses return
``(loss, stats)``.
``prepare_critic`` runs once, before the optimizer is built (spectral normalization wraps the
layers there).

One implementation serves a single run and a batched sweep alike: a method built with
``batched=True`` receives tensors with a leading member axis, (K, n, d) samples and (K, n)
scores, reduces over the sample axis only and returns (K,) losses; its hyperparameters may then
be (K,) tensors (one value per member).  A method that cannot be batched says so in
``batchable``.

Sign convention, used everywhere in otgan: the critic D *maximizes* E[D(real)] - E[D(fake)],
so every critic loss is a quantity to *minimize* (E[D(fake)] - E[D(real)] + regularizer), and the
generator minimizes -E[D(fake)].  ``tests/methods`` checks these signs on closed-form critics.
"""

from __future__ import annotations

import weakref
from typing import Callable, ClassVar

import torch
from torch import nn

from ..runtime.distributed import SINGLE, World
from ..runtime.precision import upcast
from .specs import METHODS


_BATCH_STATS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def has_batch_statistics(module: nn.Module) -> bool:
    """Whether ``module`` normalizes with statistics of its batch (BatchNorm), memoized; an
    ensemble's stacked critic (not a torch module) has none."""
    if not isinstance(module, nn.Module):
        return False
    known = _BATCH_STATS.get(module)
    if known is None:
        known = _BATCH_STATS[module] = any(isinstance(m, nn.modules.batchnorm._BatchNorm)
                                           for m in module.modules())
    return known


class Method:
    """Base class of every objective; subclasses set the class attributes below."""

    #: the method's name: its spec in ``specs.METHODS`` (fields, presets, what it estimates)
    name: ClassVar[str] = ""
    #: the key of the training statistics the progress bar shows (each method logs its own)
    progress_key: str = "critic_gap"
    #: whether sweeps may train it as a batched ensemble of MLPs
    batchable: ClassVar[bool] = True
    #: whether the critic must treat samples independently (gradient penalties)
    per_sample_critic: ClassVar[bool] = False
    #: whether ``build_critic`` makes the critic from the training data (no network): a dual
    #: vector over the training points, whose cells partition space
    critic_from_data: ClassVar[bool] = False
    #: whether critic updates read a batch of data (False: ``critic_loss`` gets ``real=None``)
    draws_real: ClassVar[bool] = True
    #: whether the generator is a (G, E) pair and the critic reads (x, z) pairs (BiGAN): the
    #: networks are built so (``nets.build_networks``), and ``critic_inputs`` pairs the points
    bidirectional: ClassVar[bool] = False
    #: whether generator updates read a batch of data too (an encoder trained with G): then
    #: ``generator_loss`` gets the real side of ``critic_inputs`` as ``real``
    generator_draws_real: ClassVar[bool] = False
    #: whether the critic is a dual over latent codes (AE-OT): its cells partition the
    #: generator's latent space, it reads latent points, never data
    latent_critic: ClassVar[bool] = False

    def __init__(self, cfg, world: World = SINGLE, batched: bool = False):
        self.cfg, self.world = cfg, world
        self.spec = METHODS[self.name]
        #: what the critic's number estimates: "W" (W1), "W2^2", "JS", "LC"
        self.estimates = self.spec.estimate_label(cfg)
        #: the sample axis: 0 in a single run, 1 behind the member axis of a batched ensemble
        self.dim = 1 if batched else 0
        #: config values the method derived from the data (``make_critic_optimizer``), written
        #: into the run's config.json so that a resumed run uses them unchanged
        self.resolved: dict = {}

    # -- building --------------------------------------------------------------------------
    def build_critic(self, train: torch.Tensor, weights: torch.Tensor | None = None
                     ) -> nn.Module | None:
        """A critic of the method's own, built from the training data (model coordinates) and
        their weights (None: uniform); None means the configured network (the default)."""
        return None

    def prepare_critic(self, critic: nn.Module) -> nn.Module:
        """Attach the Lipschitz mechanism to a freshly built critic (default: nothing)."""
        return critic

    def stacked_weight_transform(self, layers: list[nn.Module]) -> Callable | None:
        """For a batched ensemble: what ``prepare_critic`` does to the weight of these K member
        layers, as a function of their stacked (K, out, in) weight (None: nothing)."""
        return None

    def wrap_generator(self, generator: nn.Module, critic: nn.Module,
                       data_shape: tuple) -> nn.Module:
        """The generator the run trains and samples, built around the configured one (default:
        itself; AE-OT: the decoder after its latent OT map, with an encoder)."""
        return generator

    def critic_updates(self, step: int) -> int:
        """How many critic updates precede generator update ``step + 1``."""
        return critic_updates(self.cfg, step)

    def make_critic_optimizer(self, critic: nn.Module):
        """The critic's optimizer if the method prescribes one (None: the configured one)."""
        return None

    # -- objectives ------------------------------------------------------------------------
    def scores(self, critic, x: torch.Tensor) -> torch.Tensor:
        """Critic scores of a batch: shape (n,), or (K, n) when batched; fp32 under autocast."""
        out = upcast(critic(x))
        return out.squeeze(-1) if out.dim() == self.dim + 2 else out.reshape(
            out.shape[:self.dim + 1])

    def split_scores(self, critic, real: torch.Tensor, fake: torch.Tensor):
        """Scores of real and fake points from one forward pass over both.

        One pass over the concatenation costs about what one pass over a single batch costs for
        small networks (per-op overhead dominates), and it applies one power iteration per update
        under spectral normalization, as the SN-GAN paper does.  A critic with batch statistics
        (BatchNorm) scores each in a pass of its own, as the DCGAN and WGAN code does: in one
        pass real and fake points would share their normalization.
        """
        if has_batch_statistics(critic):
            return self.scores(critic, real), self.scores(critic, fake)
        out = self.scores(critic, torch.cat([real, fake], self.dim))
        n = real.shape[self.dim]
        return out[..., :n], out[..., n:]

    def critic_noise(self, real: torch.Tensor, generator: torch.Generator | None = None):
        """Random numbers a critic update draws after its batch and latent codes (None: none),
        from ``generator`` or the global stream; a batched ensemble draws them per member."""
        return None

    def critic_inputs(self, generator, real, z):
        """(real side, fake side) the critic compares, from a batch of data (None when the
        method draws none) and latent codes: (real, G(z)) by default; BiGAN's pairs
        ((x, E(x)), (G(z), z)).  Gradients flow where the caller allows them."""
        return real, generator(z)

    def critic_loss(self, critic, real, fake, noise=None):
        """(loss to minimize, dict of detached statistics); ``noise``: ``critic_noise``'s draw."""
        raise NotImplementedError

    def generator_loss(self, critic, fake, real=None):
        """(loss to minimize, dict of detached statistics); ``real``: the real side of
        ``critic_inputs`` for methods that train an encoder with the generator, else None."""
        raise NotImplementedError

    def estimate(self, critic, s_real: torch.Tensor, s_fake: torch.Tensor) -> dict:
        """What the critic's scores on held-out real and generated points estimate.

        A Wasserstein critic returns its raw gap E D(real) - E D(fake), which is W1 only for a
        critic of slope 1; the metrics divide it by the critic's measured slope to show an
        estimate of W1 (``w_estimate``).  A method whose number is already an estimate returns
        it under its own name."""
        return {"critic_gap": float(s_real.mean() - s_fake.mean())}

    def refined_critic(self, critic, draw, steps: int):
        """A critic built from the data (``critic_from_data``), refined ``steps`` updates against
        the frozen generator (``draw(n)``: n generated points) for the estimate of W; None: the
        generic refinement of a trained critic applies (``training/evaluation.py``)."""
        return None

    def after_critic_step(self, critic) -> None:
        """Runs after every critic optimizer step (weight clipping lives here)."""

    # -- state -----------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Method state that a checkpoint must hold (default: none)."""
        return {}

    def load_state_dict(self, sd: dict) -> None:
        pass


def critic_updates(cfg, step: int) -> int:
    """n_critic, or the WGAN reference code's 100 for the first 25 and every 500th update."""
    if cfg.critic_boost and (step < 25 or step % 500 == 0):
        return 100
    return cfg.n_critic


def wasserstein_critic_loss(d_real: torch.Tensor, d_fake: torch.Tensor, extra=None):
    """E[D(fake)] - E[D(real)] (+ ``extra``) over the last (sample) axis, with the critic gap
    E[D(real)] - E[D(fake)] on the batch for logging."""
    m_real, m_fake = d_real.mean(-1), d_fake.mean(-1)
    gap = m_real - m_fake
    loss = -gap if extra is None else extra - gap
    stats = {"d_real": m_real.detach(), "d_fake": m_fake.detach(), "critic_gap": gap.detach()}
    return loss, stats


class Wasserstein(Method):
    """Kantorovich-Rubinstein dual: max_D E[D(real)] - E[D(fake)] over (nearly) 1-Lipschitz D."""

    def critic_loss(self, critic, real, fake, noise=None):
        return wasserstein_critic_loss(*self.split_scores(critic, real, fake))

    def generator_loss(self, critic, fake, real=None):
        return -self.scores(critic, fake).mean(-1), {}
