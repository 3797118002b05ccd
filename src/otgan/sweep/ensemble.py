"""K GANs trained at once: stacked MLP weights, batched matrix products, one update for all.

Each member is first built exactly as a single run builds it (``build_run``: seeding, weight
initialization, spectral-norm vectors), then its weights are stacked along a leading member axis
and its random stream (the global torch RNG state right after building) moves into a private
``torch.Generator``.  The ensemble then replays, member by member, the draws a single run makes
in the same order (batch permutation, latent codes, the method's critic noise), so that each
member ends where the same configuration trained alone ends, up to float rounding (tested).

The losses, the Lipschitz mechanism and the update rules are the method's and the training
package's own, called on stacked tensors: the method is built with ``batched=True`` and a config
whose per-member values are (K,) tensors.  Hyperparameters that change only numbers
(``BATCHABLE``) may differ between members; anything that changes shapes or the program
(method, batch size, n_critic, widths, data) must be equal within an ensemble; the sweep plan
groups members accordingly.
"""

from __future__ import annotations

import dataclasses

import torch

from ..nets.latent import sample_latent
from ..runtime.progress import bar as progress_bar
from ..config import TrainConfig, critic_optimizer_kind
from ..errors import ConfigError
from ..methods.registry import get_method_class, make_method
from ..training.build import build_run, training_data
from ..training.ema import StackedEMA
from ..training.loop import critic_updates
from ..training.optim import StackedOptimizer
from ..training.run import Run
from .stacked import StackedMLP, StackedSampler

#: config fields that may differ between the members of one ensemble
BATCHABLE = frozenset({"lr_g", "lr_d", "beta1", "beta2", "clip", "gp_lambda", "ema", "seed"})


def stacked_config(configs: list[TrainConfig]) -> TrainConfig:
    """The first member's config with every numeric ``BATCHABLE`` field as a (K,) tensor."""
    cols = {k: torch.tensor([float(getattr(c, k)) for c in configs]) for k in BATCHABLE
            if k != "seed"}
    return dataclasses.replace(configs[0], **cols)


class Ensemble:
    """Members (configs differing only in BATCHABLE fields) trained in lockstep."""

    def __init__(self, configs: list[TrainConfig], dataset):
        first = configs[0].to_dict()
        for cfg in configs[1:]:
            diff = sorted(k for k, v in cfg.to_dict().items()
                          if v != first[k] and k not in BATCHABLE)
            if diff:
                raise ConfigError(f"ensemble members differ in {diff[0]}, which changes the "
                                  f"program; group them into separate ensembles")
        self.cfg = cfg0 = configs[0]
        if not get_method_class(cfg0.method).batchable:
            raise ConfigError(f"method {cfg0.method} cannot be batched; it runs alone")
        self.configs = configs
        self.runs: list[Run] = []
        self.rngs: list[torch.Generator] = []
        for cfg in configs:
            run = build_run(cfg, dataset)
            if run.device.type != "cpu":
                raise ConfigError("sweeps run on the CPU")
            gen = torch.Generator()
            gen.set_state(torch.get_rng_state())
            self.runs.append(run)
            self.rngs.append(gen)
        self.method = make_method(stacked_config(configs), batched=True)
        self.sampler = StackedSampler(training_data(self.runs[0]), cfg0.batch_size, self.rngs)
        self.G = StackedMLP([r.generator for r in self.runs], cfg0.activation)
        self.D = StackedMLP([r.critic for r in self.runs], cfg0.activation,
                            transform=self.method.stacked_weight_transform)
        col = lambda k: [getattr(c, k) for c in configs]  # noqa: E731
        betas = col("beta1"), col("beta2")
        self.opt_g = StackedOptimizer(self.G.params.flat, cfg0.optimizer, col("lr_g"), *betas)
        self.opt_d = StackedOptimizer(self.D.params.flat, critic_optimizer_kind(cfg0),
                                      col("lr_d"), *betas)
        decays = col("ema")
        self.ema = StackedEMA(self.G.params.flat, decays) if max(decays) > 0 else None
        self.latent = self.runs[0].latent_dim
        self.step_count = 0

    @property
    def size(self) -> int:
        return len(self.configs)

    def _randn(self, shape) -> torch.Tensor:
        return torch.stack([sample_latent(self.cfg.latent, shape, generator=g)
                            for g in self.rngs])

    def _critic_noise(self, real: torch.Tensor) -> torch.Tensor | None:
        """The method's critic noise (K, ...), each member's drawn from its stream."""
        draws = [self.method.critic_noise(real[k], g) for k, g in enumerate(self.rngs)]
        return None if draws[0] is None else torch.stack(draws)

    # -- training -------------------------------------------------------------------------
    def train(self, steps: int, progress: bool = False, desc: str = "", every: int = 0,
              checkpoint=None) -> None:
        """``steps`` more generator updates for every member (``progress``: a bar), calling
        ``checkpoint()`` after every ``every``-th update (counted from the first)."""
        cfg, B, method = self.cfg, self.cfg.batch_size, self.method
        for _ in progress_bar(range(steps), enabled=progress, desc=desc):
            # The generator is fixed during the critic updates: draw their random numbers in a
            # single run's order, then generate every fake batch in one forward pass.
            draws = []
            for _ in range(critic_updates(cfg, self.step_count)):
                real = self.sampler.next()
                z = self._randn((B, self.latent))
                draws.append((real, z, self._critic_noise(real)))
            with torch.no_grad():
                fakes = self.G(torch.cat([z for _, z, _ in draws], 1)).split(B, 1)
            for (real, _, noise), fake in zip(draws, fakes):
                loss, _ = method.critic_loss(self.D, real, fake, noise)
                self.opt_d.step(self.D.params.grad(loss.sum()))
                method.after_critic_step(self.D)
            loss, _ = method.generator_loss(self.D, self.G(self._randn((B, self.latent))))
            self.opt_g.step(self.G.params.grad(loss.sum()))
            if self.ema is not None:
                self.ema.update(self.G.params.flat)
            self.step_count += 1
            if checkpoint is not None and every and self.step_count % every == 0:
                checkpoint()

    # -- checkpoints ----------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything the next update reads: weights, optimizer and EMA states, the members'
        random streams, the batch order, the power-iteration vectors, the update count."""
        return {"step": self.step_count, "g": self.G.params.flat, "d": self.D.params.flat,
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "ema": None if self.ema is None else self.ema.state_dict(),
                "rngs": [g.get_state() for g in self.rngs],
                "sampler": self.sampler.state_dict(),
                "transforms": [None if t is None else t.state_dict() for t in self.D.transforms]}

    @torch.no_grad()
    def load_state_dict(self, sd: dict) -> None:
        """Continue from ``state_dict()``: the result is bitwise the uninterrupted ensemble's."""
        self.step_count = int(sd["step"])
        self.G.params.flat.copy_(sd["g"])
        self.D.params.flat.copy_(sd["d"])
        self.opt_g.load_state_dict(sd["opt_g"])
        self.opt_d.load_state_dict(sd["opt_d"])
        if self.ema is not None:
            self.ema.load_state_dict(sd["ema"])
        for g, state in zip(self.rngs, sd["rngs"]):
            g.set_state(state)
        self.sampler.load_state_dict(sd["sampler"])
        for t, state in zip(self.D.transforms, sd["transforms"]):
            if t is not None:
                t.load_state_dict(state)

    # -- results --------------------------------------------------------------------------
    @torch.no_grad()
    def member_state(self, k: int) -> dict:
        """Member k's generator weights (EMA where its config has one), critic weights."""
        g = (self.G.params.views(self.ema.average) if self.ema is not None
             and self.ema.decay[k] > 0 else self.G.params.tensors)
        d = self.D.params.tensors
        return {"generator": [t[k].clone() for t in g], "critic": [t[k].clone() for t in d]}

    @torch.no_grad()
    def sample(self, k: int, z: torch.Tensor) -> torch.Tensor:
        """Member k's samples (data coordinates) for latent codes z (n, latent)."""
        w = self.member_state(k)["generator"]
        x = z
        for i in range(0, len(w), 2):
            x = torch.nn.functional.linear(x, w[i], w[i + 1])
            if i < len(w) - 2:
                x = self.G.act(x)
        return self.runs[k].normalizer.decode(x)
