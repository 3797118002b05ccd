"""What a run is made of while it trains, and how that is captured and restored.

``TrainState`` holds the two networks, their optimizers, the optional EMA of the generator, the
batch sampler, the counters and the process's place in a distributed job.  ``state_dict``
captures all of it plus every RNG state, in types that ``torch.load(weights_only=True)``
accepts, so a resumed run continues bit for bit.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel

from ..runtime.distributed import SINGLE, World
from .sampler import BatchSampler


@dataclass
class TrainState:
    generator: nn.Module
    critic: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    ema: AveragedModel | None
    sampler: BatchSampler
    latent_dim: int
    step: int = 0  # generator updates done
    critic_steps: int = 0
    train_time: float = 0.0  # seconds spent in updates, summed over resumed segments
    #: this process's place in the job (one process unless torchrun started it)
    world: World = SINGLE
    #: the modules the updates call: DistributedDataParallel wrappers under torchrun
    train_generator: nn.Module | None = None
    train_critic: nn.Module | None = None
    #: the RNG states a checkpoint records instead of the live ones (``streams_kept``)
    pinned_rng: dict | None = None

    @property
    def device(self) -> torch.device:
        return self.sampler.data.device

    def state_dict(self) -> dict:
        return {
            "generator": self.generator.state_dict(),
            "critic": self.critic.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "ema": None if self.ema is None else self.ema.state_dict(),
            "sampler": self.sampler.state_dict(),
            "step": self.step,
            "critic_steps": self.critic_steps,
            "train_time": self.train_time,
            "rng": capture_rng() if self.pinned_rng is None else self.pinned_rng,
        }

    @contextlib.contextmanager
    def streams_kept(self):
        """A section that must leave training's random streams as it found them (an
        evaluation, whatever its metrics draw): every RNG state is captured at its start and
        restored at its end.  A section ended by an exception (a signal cut the evaluation
        short, its thread possibly still computing) leaves them pinned as well: a checkpoint
        taken then records the streams as they were at its start, whatever that thread draws
        meanwhile, so the run resumes as if the section had never begun."""
        rng = capture_rng()
        self.pinned_rng = rng
        try:
            yield
        except BaseException:
            restore_rng_state(rng)
            raise
        restore_rng_state(rng)
        self.pinned_rng = None

    def load_state_dict(self, sd: dict, restore_rng: bool = True) -> None:
        self.generator.load_state_dict(sd["generator"])
        self.critic.load_state_dict(sd["critic"])
        self.opt_g.load_state_dict(sd["opt_g"])
        self.opt_d.load_state_dict(sd["opt_d"])
        if self.ema is not None and sd.get("ema") is not None:
            self.ema.load_state_dict(sd["ema"])
        self.sampler.load_state_dict(sd["sampler"])
        self.step, self.critic_steps = int(sd["step"]), int(sd["critic_steps"])
        self.train_time = float(sd["train_time"])
        if restore_rng:
            restore_rng_state(sd["rng"])


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def capture_rng() -> dict:
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "gauss": float(gauss)},
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng_state(rng: dict) -> None:
    random.setstate(_tuplify(rng["python"]))
    n = rng["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"],
                         n["has_gauss"], n["gauss"]))
    torch.set_rng_state(rng["torch"])
    if rng.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])


def _tuplify(x):
    return tuple(_tuplify(v) for v in x) if isinstance(x, (list, tuple)) else x
