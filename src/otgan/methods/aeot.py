"""AE-OT (An, Guo, Lei, Luo, Yau, Gu, ICLR 2020): the course's semi-discrete OT, done in the
latent space of an autoencoder.

The run trains in two phases of the one training loop, counted in generator updates:

  * updates 1..``aeot_ae_steps``: the autoencoder, decoder(encoder(x)) against x (mean squared
    error on a batch of data per update; no critic update);
  * then the encoder is frozen and its codes of the J training points are taken once, scaled
    into the unit cube (``semidiscrete/latent.py``: ``LatentDual.set_codes``): they are the
    discrete target, with the data's weights.  Each following update runs ``n_critic`` steps of
    the course's averaged SGD on the semi-dual H(psi) = E_z[psi^c(z)] + sum_j nu_j psi_j, z a
    batch of the latent law (uniform on [0, 1]^d by default), with sd-wgan's multiscale step
    (``semidiscrete/step.py``); the decoder alone goes on training on the reconstruction of
    the (fixed) codes.

The generator is ``LatentOT``: G(z) = decoder(T~(z)), T~ the semi-discrete OT map at the
averaged dual, extended between neighbouring cells and cut at the singular set
(``aeot_blend``, ``aeot_angle``).  The critic slot holds the dual over the codes (a
``latent_critic``): the partition metric reads its cells' masses on latent points, and the
semi-dual's value, a lower bound of W2^2 between the latent law and the codes.
"""

from __future__ import annotations

import torch

from ..errors import ConfigError
from ..nets.build import build_encoder, latent_size
from ..nets.encoder import has_encoder
from ..runtime.distributed import SINGLE
from ..semidiscrete import AveragedSGD, LatentDual, LatentOT, multiscale_preconditioner
from .base import Method


class AEOT(Method):
    name = "ae-ot"
    progress_key = "recon_mse"
    batchable = False  # the critic is a dual over codes, not a stackable MLP
    critic_from_data = True
    latent_critic = True
    draws_real = False  # dual steps read latent points only
    generator_draws_real = True  # the autoencoder's updates read data

    def __init__(self, cfg, world=SINGLE, batched=False):
        super().__init__(cfg, world, batched)
        self._train: torch.Tensor | None = None
        self._updates = 0  # generator updates so far: the phases' clock
        self._step = None  # the dual's preconditioner, derived from the codes
        self.critic: LatentDual | None = None

    # -- building --------------------------------------------------------------------------
    def build_critic(self, train, weights=None):
        if train is None:
            raise ConfigError("method ae-ot builds its latent dual from the training data")
        self._train = train
        dim = latent_size(self.cfg, tuple(train.shape[1:]))
        self.critic = LatentDual(train.shape[0], dim, weights)
        return self.critic

    def wrap_generator(self, generator, critic, data_shape):
        if isinstance(generator, LatentOT):
            return generator
        if has_encoder(generator) and hasattr(generator, "generator"):  # a (G, E) pair
            decoder, encoder = generator.generator, generator.encoder
        else:
            decoder, encoder = generator, build_encoder(self.cfg, data_shape)
        return LatentOT(decoder, encoder, critic, self.cfg.aeot_blend, self.cfg.aeot_angle)

    def make_critic_optimizer(self, critic):
        if not isinstance(critic, LatentDual):
            raise ConfigError(f"method {self.name}: the critic is the dual over the "
                              f"autoencoder's codes, built by otgan; got a "
                              f"{type(critic).__name__}")
        self._step = None
        if bool(critic.ready):
            self._fill_step(critic)
        return AveragedSGD([critic.psi], [critic.psi_avg], self.cfg.sd_gamma,
                           [lambda g: self._step(g)])

    def _fill_step(self, critic: LatentDual) -> None:
        """The dual's step on the codes (sd-wgan's: ``multiscale_preconditioner``, the cost
        scale from the codes' nearest neighbours), derived once the codes are set."""
        self._step = multiscale_preconditioner(critic.y, critic.nu, "sqeuclidean",
                                               self.cfg.batch_size)

    # -- the phases ------------------------------------------------------------------------
    def critic_updates(self, step: int) -> int:
        return 0 if step < self.cfg.aeot_ae_steps else self.cfg.n_critic

    def critic_inputs(self, generator, real, z):
        """Critic updates (no data): (None, z), the latent points of a dual step, the codes
        taken first if they are not yet; generator updates: (x, decoder(encoder(x)))."""
        if real is None:
            if self._updates >= self.cfg.aeot_ae_steps and not bool(generator.dual.ready):
                self.take_codes(generator)
            return None, z
        train_encoder = self._updates < self.cfg.aeot_ae_steps
        return real, generator.reconstruct(real, train_encoder)

    @torch.no_grad()
    def take_codes(self, generator: LatentOT) -> None:
        """The encoder's codes of the training points become the dual's targets."""
        generator.dual.set_codes(generator.embed(self._train))
        self._fill_step(generator.dual)

    def critic_loss(self, critic, real, fake, noise=None):
        value = critic.dual(fake)  # H(psi~) on the batch of latent points
        return -value, {"latent_dual": value.detach()}

    def generator_loss(self, critic, fake, real=None):
        self._updates += 1
        mse = (fake.float() - real.float()).pow(2).mean()
        return mse, {"recon_mse": mse.detach()}

    # -- state -----------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"updates": self._updates}

    def load_state_dict(self, sd: dict) -> None:
        self._updates = int(sd.get("updates", 0))
        if self.critic is not None and bool(self.critic.ready):
            self._fill_step(self.critic)
