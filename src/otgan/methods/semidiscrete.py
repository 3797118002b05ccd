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
  * logged estimate: H at the averaged psi on the generator's batch (a lower bound of W); at
    evaluations, H at a copy of the dual refined against the frozen generator
    (``refined_critic``).

``sd_cost``: ``euclidean`` (W1) or ``sqeuclidean`` (W2^2); ``sd_eps`` > 0 smooths the min into a
soft-min (Houdard et al. 2023); ``sd_gamma`` is the dimensionless dual step and ``sd_scale``
the cost scale s (0: from the targets, then written into the run's config);
``sd_average``: ``global`` averages every dual iterate since the start, ``step`` restarts the
average at each generator update (the dual problem changes when the generator moves).

Warm-up (``sd_warmup_targets`` J0 > 0, ``sd_warmup_steps`` K): the first K generator updates
train against J0 of the J targets (drawn without replacement in proportion to their weights,
seeded by ``seed``; weights renormalized), a dual of their own with its own step; then the
J-target dual starts from psi = 0 (its Laguerre cells are then the nearest-neighbour cells of the
targets).  On MNIST the generator's first updates against all 60000 images collapse onto a
few cells the dual cannot split fast enough; against 1000 it learns every class, and continues
against all 60000 without collapsing (docs/semidiscrete.md, "All 60000 MNIST images").  The
values logged during the warm-up estimate the cost to the subset: ``warmup_`` in their names.
"""

from __future__ import annotations

import copy

import torch

from ..errors import ConfigError
from ..semidiscrete import (AveragedSGD, SemiDiscreteCritic, cost_scale, dual_on_sample,
                            multiscale_preconditioner, solve)
from ..runtime.distributed import SINGLE
from .base import Method

#: the refined dual of an evaluation is solved exactly (network simplex on 8 J points, an (8 J, J)
#: cost matrix: 268 MB at J = 2048) up to this many targets, by averaged SGD beyond
EXACT_DUAL_MAX_TARGETS = 2048
EXACT_DUAL_SAMPLES = 4


class SemiDiscrete(Method):
    name = "sd-wgan"
    critic_from_data = True
    draws_real = False  # the data enter through the dual vector: no batch of data is drawn
    batchable = False  # the critic is a dual vector over the data, not a stackable MLP

    def __init__(self, cfg, world=SINGLE, batched=False):
        super().__init__(cfg, world, batched)
        #: the semi-dual value at the averaged dual vector estimates W1 or W2^2 itself
        self.progress_key = "w_estimate" if cfg.sd_cost == "euclidean" else "w2sq_estimate"
        self.opt: AveragedSGD | None = None
        self._restart = False
        #: generator updates so far (the warm-up's clock) and the warm-up's own dual
        self._updates = 0
        self._warm: _WarmUp | None = None

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
        step = multiscale_preconditioner(critic.y, critic.nu, critic.cost, self.cfg.batch_size,
                                         scale)
        self.opt = AveragedSGD([critic.psi], [critic.psi_avg], self.cfg.sd_gamma, [step])
        self._warm = None
        # (a warm-up on as many targets as carry weight is no warm-up: a small image set with
        # the images preset trains against all its images from the start)
        if 0 < self.cfg.sd_warmup_targets < int((critic.nu > 0).sum()) \
                and self._updates < self.cfg.sd_warmup_steps:
            self._warm = _WarmUp(critic, self.cfg)
        return self.opt

    def refined_critic(self, critic, draw, steps: int):
        """A copy of the dual solved again for the frozen generator.  Training moves psi only
        ``n_critic`` steps per generator update, so its semi-dual value lags the generator (on
        8gaussians: 0.008 against W1 0.08); the estimate of W for the generator as it is now
        needs a dual solved for it.  Up to J = 2048 targets: the average of the exact duals
        of ``EXACT_DUAL_SAMPLES`` discrete problems, each between max(8 J, min(16384, 2^23 / J))
        fresh generated points and the targets (the network simplex; any psi is a lower bound
        by weak duality, an average of duals of samples is closer to mu's than any one: at
        J = 1000 on 8gaussians, one gives 0.041 and the average of four 0.046 against W1 about
        0.048; 7 s); beyond, ``steps`` steps of averaged SGD from the training's averaged psi
        on batches of ``draw(n)`` points (at least 4 per target, at most 8192, fewer where a
        step would cost more than 2^31 multiply-adds)."""
        J = critic.n_targets
        if J <= EXACT_DUAL_MAX_TARGETS:
            n = max(8 * J, min(16384, 2 ** 23 // J))  # more points per target where cheap
            psi = sum(dual_on_sample(draw(n), critic.y, critic.nu, cost=critic.cost)
                      for _ in range(EXACT_DUAL_SAMPLES)) / EXACT_DUAL_SAMPLES
        else:
            # at least 4 points per target, at most 8192, and at most 2^31 multiply-adds per
            # step unless that is below the training batch (MNIST's J = 60000: the batch)
            cap = max(self.cfg.batch_size, 2 ** 31 // (J * critic.y[0].numel()))
            batch = int(min(max(4 * J, self.cfg.batch_size), 8192, cap))
            scale = self.resolved.get("sd_scale") or cost_scale(critic.y, critic.cost)
            psi = solve(draw, critic.y, critic.nu, cost=critic.cost, steps=steps, batch=batch,
                        gamma=self.cfg.sd_gamma, scale=scale, eps=critic.eps,
                        psi0=critic.psi_avg.detach(), n_eval=batch).psi
        out = copy.deepcopy(critic)
        with torch.no_grad():
            out.psi.copy_(psi)
            out.psi_avg.copy_(psi)
        return out

    def state_dict(self) -> dict:
        out = {"restart": self._restart, "updates": self._updates}
        if self._warm is not None:
            out["warmup"] = self._warm.state_dict()
        return out

    def load_state_dict(self, sd: dict) -> None:
        self._restart = bool(sd.get("restart", False))
        self._updates = int(sd.get("updates", 0))
        if self._warm is not None:
            if self._updates >= self.cfg.sd_warmup_steps:
                self._warm = None
            elif "warmup" in sd:
                self._warm.load_state_dict(sd["warmup"])

    def critic_loss(self, critic, real, fake, noise=None):
        if self._warm is not None:
            critic = self._warm.critic  # its psi gets the gradient; stepped after the loop's
            critic.psi.grad = None
        if self._restart:  # first dual step after a generator update: a new average begins
            (self.opt if self._warm is None else self._warm.opt).restart()
            self._restart = False
        value = critic.dual(fake)  # H(psi~) on the batch; real data enter through sum nu psi
        return -value, {("dual" if self._warm is None else "warmup_dual"): value.detach()}

    def after_critic_step(self, critic) -> None:
        if self._warm is not None:
            self._warm.step(self.world)

    def generator_loss(self, critic, fake, real=None):
        warm = self._warm
        if warm is not None:
            critic = warm.critic
        d_fake = critic(fake, averaged=True).mean()  # = -E[psi_avg^c(fake)]
        estimate = (critic.nu * critic.psi_avg).sum() - d_fake
        self._restart = self.cfg.sd_average == "step" and self.opt is not None
        self._updates += 1
        if warm is not None and self._updates >= self.cfg.sd_warmup_steps:
            self._warm = None  # the next dual step is on all J targets, from psi = 0
        prefix = "" if warm is None else "warmup_"
        return -d_fake, {prefix + self.progress_key: estimate.detach(),
                         prefix + "d_fake": d_fake.detach()}

    def estimate(self, critic, s_real, s_fake):
        """The semi-dual H(psi) = sum_j nu_j psi_j + E[psi^c(fake)] on held-out generated points
        (the scores are D = -psi^c): a lower bound of the OT cost for any psi, the cost at the
        optimum."""
        value = float((critic.nu * critic.psi.detach()).sum()) - float(s_fake.mean())
        return {"critic_gap": float(s_real.mean() - s_fake.mean()), self.progress_key: value}


class _WarmUp:
    """The warm-up's dual: a semi-discrete critic over J0 of the targets, and its optimizer.

    The loop steps the run's optimizer, which holds the J-target psi; during the warm-up the
    losses put their gradient on this critic's psi instead, and ``step`` applies it (after the
    loop's step, which skips a parameter without gradient)."""

    def __init__(self, critic: SemiDiscreteCritic, cfg):
        g = torch.Generator().manual_seed(cfg.seed)
        idx = torch.multinomial(critic.nu.double().cpu(), cfg.sd_warmup_targets,
                                replacement=False, generator=g).sort().values
        idx = idx.to(critic.y.device)
        nu = critic.nu[idx] / critic.nu[idx].sum()
        self.critic = SemiDiscreteCritic(critic.y[idx], nu, cost=critic.cost, eps=critic.eps,
                                         chunk=critic.chunk).to(critic.y.device)
        scale = cost_scale(self.critic.y, self.critic.cost)
        step = multiscale_preconditioner(self.critic.y, self.critic.nu, self.critic.cost,
                                         cfg.batch_size, scale)
        self.opt = AveragedSGD([self.critic.psi], [self.critic.psi_avg], cfg.sd_gamma, [step])

    def step(self, world) -> None:
        if world.active:
            world.mean_grads_([self.critic.psi])
        self.opt.step()
        self.critic.psi.grad = None

    def state_dict(self) -> dict:
        return {"psi": self.critic.psi.detach().cpu(), "psi_avg": self.critic.psi_avg.cpu(),
                "k": self.opt.k}

    def load_state_dict(self, sd: dict) -> None:
        with torch.no_grad():
            self.critic.psi.copy_(sd["psi"])
            self.critic.psi_avg.copy_(sd["psi_avg"])
        self.opt.state[self.critic.psi]["k"] = int(sd["k"])
