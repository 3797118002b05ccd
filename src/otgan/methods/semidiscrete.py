"""Semi-discrete WGAN (the lecture "GAN and WGAN Training", its "Alternate algorithm for
semi-discrete WGAN learning").

The data nu = sum_j nu_j delta_{y_j} is finite, so the critic needs no network: it is the
c-transform psi^c of a dual vector psi in R^J over the training points (``SemiDiscreteCritic``).

  * critic update (``n_critic`` per generator update): one averaged-SGD ascent step on
    H(psi) = E_{x ~ mu_theta}[psi^c(x)] + sum_j nu_j psi_j, whose gradient in psi_j is
    nu_j - mu_theta(Laguerre cell j), on a batch of generated points, preconditioned per
    target (``semidiscrete/step.py``: gamma * s / max(nu_j, 1/B)); psi is warm-started
    across generator updates (never reset); no batch of data is drawn;
  * generator update: descend E[psi_avg^c(g_theta(z))] at the *averaged* psi;
  * logged estimate: H at the averaged psi on the generator's batch (a lower bound of W).

``sd_cost``: ``euclidean`` (W1) or ``sqeuclidean`` (W2^2); ``sd_eps`` > 0 smooths the min into a
soft-min (Houdard et al. 2023); ``sd_gamma`` is the dimensionless dual step and ``sd_scale``
the cost scale s (0: from the targets, then written into the run's config);
``sd_average``: ``global`` averages every dual iterate since the start, ``step`` restarts the
average at each generator update (the dual problem changes when the generator moves).
"""

from __future__ import annotations

import torch

from ..errors import ConfigError
from ..semidiscrete import AveragedSGD, SemiDiscreteCritic, cost_scale, dual_preconditioner
from ..runtime.distributed import SINGLE
from .base import Method

# Measured on the toy sets with J = 1000 targets (docs/semidiscrete.md): the derived step
# (sd_gamma 1) lets the generator collapse onto one mode of 8gaussians, sd_gamma 30 covers all
# eight; averaging since the start (global) freezes the dual and collapses too.  Exercise 2
# (J = 2, nu_j >= 1/B) needs sd_gamma <= ~3: one rule for both regimes is still open.
_DEFAULT = dict(optimizer="adam", lr_g=1e-3, beta1=0.5, beta2=0.9, batch_size=256, n_critic=10,
                n_train=1000, sd_cost="euclidean", sd_eps=0.0, sd_gamma=30.0, sd_average="step",
                ema=0.99)
# Houdard, Leclaire, Papadakis, Rabin (TMLR 2023), MNIST script: 10 dual steps of batch 200 per
# generator step, Adam 1e-3 on the generator.
_PAPER = dict(optimizer="adam", lr_g=1e-3, beta1=0.9, beta2=0.999, batch_size=200, n_critic=10,
              sd_cost="sqeuclidean", sd_eps=0.0, sd_gamma=1.0, sd_average="global", ema=0.0)


class SemiDiscrete(Method):
    name = "sd-wgan"
    summary = ("semi-discrete WGAN: critic = c-transform of a dual vector over the data, "
               "averaged SGD on the dual")
    params = ("sd_cost", "sd_eps", "sd_gamma", "sd_scale", "sd_average")
    presets = {"default": _DEFAULT, "paper": _PAPER}
    critic_from_data = True
    draws_real = False  # the data enter through the dual vector: no batch of data is drawn
    batchable = False  # the critic is a dual vector over the data, not a stackable MLP

    def __init__(self, cfg, world=SINGLE, batched=False):
        super().__init__(cfg, world, batched)
        self.estimates = "W" if cfg.sd_cost == "euclidean" else "W2^2"
        #: the semi-dual value at the averaged dual vector estimates W1 or W2^2 itself
        self.progress_key = "w_estimate" if cfg.sd_cost == "euclidean" else "w2sq_estimate"
        self.opt: AveragedSGD | None = None
        self._restart = False

    def build_critic(self, train: torch.Tensor, weights: torch.Tensor | None = None):
        return SemiDiscreteCritic(train, weights, cost=self.cfg.sd_cost, eps=self.cfg.sd_eps)

    def make_critic_optimizer(self, critic) -> AveragedSGD:
        if not isinstance(critic, SemiDiscreteCritic):
            raise ConfigError(f"method {self.name}: the critic is the c-transform of a dual "
                              f"vector over the data, built by otgan; got a "
                              f"{type(critic).__name__}")
        scale = self.cfg.sd_scale or cost_scale(critic.y, critic.cost)
        #: values the method derived from the data, recorded in the run's config.json
        self.resolved = {"sd_scale": scale}
        step = dual_preconditioner(critic.nu, scale, self.cfg.batch_size)
        self.opt = AveragedSGD([critic.psi], [critic.psi_avg], self.cfg.sd_gamma, [step])
        return self.opt

    def state_dict(self) -> dict:
        return {"restart": self._restart}

    def load_state_dict(self, sd: dict) -> None:
        self._restart = bool(sd.get("restart", False))

    def critic_loss(self, critic, real, fake, noise=None):
        if self._restart:  # first dual step after a generator update: a new average begins
            self.opt.restart()
            self._restart = False
        value = critic.dual(fake)  # H(psi~) on the batch; real data enter through sum nu psi
        return -value, {"dual": value.detach()}

    def generator_loss(self, critic, fake, real=None):
        d_fake = critic(fake, averaged=True).mean()  # = -E[psi_avg^c(fake)]
        estimate = (critic.nu * critic.psi_avg).sum() - d_fake
        self._restart = self.cfg.sd_average == "step" and self.opt is not None
        return -d_fake, {self.progress_key: estimate.detach(), "d_fake": d_fake.detach()}

    def estimate(self, critic, s_real, s_fake):
        """The semi-dual H(psi) = sum_j nu_j psi_j + E[psi^c(fake)] on held-out generated points
        (the scores are D = -psi^c): a lower bound of the OT cost for any psi, the cost at the
        optimum."""
        value = float((critic.nu * critic.psi.detach()).sum()) - float(s_fake.mean())
        return {"critic_gap": float(s_real.mean() - s_fake.mean()), self.progress_key: value}
