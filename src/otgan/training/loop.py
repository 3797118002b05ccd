"""One training loop for every method.

Each generator update is preceded by ``n_critic`` critic updates.  The loop knows a method only
through ``critic_inputs`` (what the critic compares: data and generated points, or BiGAN's
(x, z) pairs), ``critic_loss``, ``after_critic_step`` and ``generator_loss``, and a run folder
only through the ``Hooks`` it is given: logging, evaluation and checkpoints live elsewhere.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import torch

from ..errors import OtganError
from ..methods.base import critic_updates  # noqa: F401 (the ensemble's and the tests' import)
from ..nets.latent import sample_latent
from ..runtime.distributed import is_ddp
from ..runtime.precision import autocast
from ..runtime.progress import bar as progress_bar
from .state import TrainState


class Diverged(OtganError):
    """A loss or a parameter became NaN or Inf."""

    exit_code = 3

    def __init__(self, message: str, step: int):
        super().__init__(message)
        self.step = step


@dataclass
class Hooks:
    """What the loop reports to; every hook is optional."""

    #: (state, last real batch, last fake batch) -> cheap diagnostics added to every record
    diagnose: Callable | None = None
    #: (state) -> latest finished evaluation (for display); runs every ``cfg.eval_every``
    #: updates and at the end, and writes its own records
    evaluate: Callable | None = None
    #: (record) -> None, writes a finished record
    write: Callable | None = None
    #: (state) -> None, persists the state
    checkpoint: Callable | None = None
    #: () -> bool, checked between generator updates (a signal asked the run to stop)
    should_stop: Callable | None = None


def at_end(state: TrainState, cfg) -> bool:
    """Whether the run has trained to its end: ``cfg.steps`` updates, or its time limit."""
    return state.step >= cfg.steps or bool(cfg.time_limit
                                           and state.train_time >= cfg.time_limit)


class _Mean:
    """Running means of scalar tensors; converted to floats only when a record is written."""

    def __init__(self):
        self.sums: dict[str, torch.Tensor] = {}
        self.counts: dict[str, int] = {}

    def add(self, stats: dict) -> None:
        for k, v in stats.items():
            self.sums[k] = self.sums[k] + v if k in self.sums else v.clone()
            self.counts[k] = self.counts.get(k, 0) + 1

    def pop(self) -> dict[str, float]:
        out = {k: float(v) / self.counts[k] for k, v in self.sums.items()}
        self.sums, self.counts = {}, {}
        return out


def _is_due(step: int, every: int, last: int) -> bool:
    return step == last or (every > 0 and step % every == 0)


def train_loop(state: TrainState, method, cfg, hooks: Hooks | None = None,
               progress: bool = True) -> TrainState:
    """Run generator updates from ``state.step`` to ``cfg.steps``, or until ``cfg.time_limit``
    seconds of training; returns the state."""
    hooks = hooks or Hooks()
    G, D, world = state.generator, state.critic, state.world
    G_train, D_train = state.train_generator or G, state.train_critic or D
    # modules that DDP does not wrap (the semi-discrete critic) average their gradients here
    sync_g = world.active and not is_ddp(G_train)
    sync_d = world.active and not is_ddp(D_train)
    B, device = cfg.batch_size, state.device  # B: the global batch
    amp = autocast(cfg.precision, device)
    z_shape = (B, state.latent_dim)
    dtype = state.sampler.data.dtype

    def latent(shape):
        return sample_latent(cfg.latent, shape, device=device)

    means = _Mean()
    G.train()
    D.train()
    bar = progress_bar(total=cfg.steps, initial=state.step, enabled=progress, desc=cfg.method)
    key = method.progress_key
    label = {"critic_gap": "gap"}.get(key, key.replace("_estimate", ""))
    postfix: dict[str, str] = {}
    real = fake = None  # the last critic update's batches (none yet)
    try:
        while state.step < cfg.steps:
            if hooks.should_stop is not None and hooks.should_stop():
                break
            t0 = time.perf_counter()
            for _ in range(method.critic_updates(state.step)):
                real = state.sampler.next() if method.draws_real else None
                with torch.no_grad(), amp:
                    real, fake = method.critic_inputs(G, real, world.shard(latent(z_shape)))
                    fake = fake.to(dtype)
                with amp:
                    loss_d, stats = method.critic_loss(D_train, real, fake)
                state.opt_d.zero_grad(set_to_none=True)
                loss_d.backward()
                if sync_d:
                    world.mean_grads_(D.parameters())
                state.opt_d.step()
                method.after_critic_step(D)
                stats["loss_d"] = loss_d.detach()
                means.add(stats)
                state.critic_steps += 1

            D.requires_grad_(False)
            real_g = state.sampler.next() if method.generator_draws_real else None
            with amp:
                real_g, fake_g = method.critic_inputs(G_train, real_g,
                                                      world.shard(latent(z_shape)))
                loss_g, g_stats = method.generator_loss(D, fake_g, real_g)
            state.opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            if sync_g:
                world.mean_grads_(G.parameters())
            state.opt_g.step()
            D.requires_grad_(True)
            if state.ema is not None:
                state.ema.update_parameters(G)
            g_stats["loss_g"] = loss_g.detach()
            means.add(g_stats)
            state.step += 1
            state.train_time += time.perf_counter() - t0
            bar.update(1)

            step, last = state.step, cfg.steps
            # out of time: this update is the end (on every rank at once)
            if cfg.time_limit and world.any_(state.train_time >= cfg.time_limit):
                last = step
            if _is_due(step, cfg.log_every, last):
                record = {"step": step, "critic_steps": state.critic_steps,
                          "time": round(state.train_time, 4)}
                record.update(means.pop())
                world.mean_(record)
                _check_finite(record, state)
                if hooks.diagnose is not None and fake is not None:  # (after a critic update)
                    record.update(hooks.diagnose(state, real, fake))
                if hooks.write is not None:
                    hooks.write(record)
                if key in record:
                    postfix[label] = f"{record[key]:.3f}"
                bar.set_postfix(postfix, refresh=False)
            if hooks.evaluate is not None and _is_due(step, cfg.eval_every, last):
                shown = hooks.evaluate(state)
                # the semi-discrete partition's largest relative cell-mass error beside W
                for k, name in (("w_estimate", "W~"), ("w1", "W1"), ("sd_mass_error", "mass_err")):
                    if k in shown:
                        postfix[name] = f"{shown[k]:.3f}"
                bar.set_postfix(postfix, refresh=False)
            if hooks.checkpoint is not None and cfg.checkpoint_every > 0 \
                    and step % cfg.checkpoint_every == 0 and step != last:
                check_finite_state(state)  # never let a diverged state replace a good one
                hooks.checkpoint(state)
            if step == last:
                break
    finally:
        bar.close()
    return state


def _check_finite(record: dict, state: TrainState) -> None:
    bad = [k for k, v in record.items() if isinstance(v, float) and not math.isfinite(v)]
    if bad:
        raise Diverged(f"training diverged at step {state.step}: {', '.join(bad)} not finite",
                       step=state.step)
    check_finite_state(state)


def check_finite_state(state: TrainState) -> None:
    """Raise Diverged if a parameter of either network is NaN or Inf."""
    for name, net in (("generator", state.generator), ("critic", state.critic)):
        if any(not torch.isfinite(p).all() for p in net.parameters()):
            raise Diverged(f"training diverged at step {state.step}: {name} parameters not "
                           f"finite", step=state.step)
