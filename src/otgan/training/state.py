"""What a run is made of while it trains, and how it is saved and restored.

``TrainState`` holds the two networks, their optimizers, the optional EMA of the generator, the
batch sampler and the counters.  ``state_dict`` captures all of it plus every RNG state, in types
that ``torch.load(weights_only=True)`` accepts, so a resumed run continues bit for bit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from ..errors import ConfigError
from . import distributed


class BatchSampler:
    """Shuffled batches, without replacement within an epoch, from a tensor on the device.

    Indexing a resident tensor with a slice of a permutation replaces a DataLoader's per-row
    collation; the last incomplete batch of an epoch is dropped.
    """

    def __init__(self, data: torch.Tensor, batch_size: int,
                 generator: torch.Generator | None = None):
        if batch_size > data.shape[0]:
            raise ConfigError(f"batch_size {batch_size} exceeds the {data.shape[0]} training "
                              f"points")
        self.data, self.batch_size, self.generator = data, batch_size, generator
        self.perm: torch.Tensor | None = None
        self.pos = 0

    def next(self) -> torch.Tensor:
        n = self.data.shape[0]
        if self.perm is None or self.pos + self.batch_size > n:
            self.perm = self._permutation(n)
            self.pos = 0
        idx = self.perm[..., self.pos:self.pos + self.batch_size]
        self.pos += self.batch_size
        return self._rows(idx)

    def _permutation(self, n: int) -> torch.Tensor:
        return torch.randperm(n, device=self.data.device, generator=self.generator)

    def _rows(self, idx: torch.Tensor) -> torch.Tensor:
        return self.data[distributed.WORLD.shard(idx)]  # this rank's rows of the global batch

    def state_dict(self) -> dict:
        return {"perm": None if self.perm is None else self.perm.cpu(), "pos": self.pos}

    def load_state_dict(self, sd: dict) -> None:
        self.perm = None if sd["perm"] is None else sd["perm"].to(self.data.device)
        self.pos = int(sd["pos"])


def make_optimizer(params, cfg, lr: float, kind: str | None = None) -> torch.optim.Optimizer:
    """The optimizer ``kind`` (default ``cfg.optimizer``), with its multi-tensor implementation.

    PyTorch enables the multi-tensor (``foreach``) path by default only on CUDA; on the CPU the
    per-parameter loop made RMSprop.step cost 0.32 ms for the lab's six-tensor critic, a quarter
    of a critic update.  Adam uses the fused kernel where the installed torch has it.
    """
    params, kind = list(params), kind or cfg.optimizer
    if kind == "adam":
        try:
            return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), fused=True)
        except (RuntimeError, TypeError):  # older torch or an unsupported device
            return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), foreach=True)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, foreach=True)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, foreach=True)
    raise ConfigError(f"optimizer: unknown optimizer {kind!r}")


def make_ema(generator: nn.Module, decay: float) -> AveragedModel | None:
    if decay <= 0:
        return None
    return AveragedModel(generator, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)


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
    #: the modules the updates call: DistributedDataParallel wrappers under torchrun
    train_generator: nn.Module | None = None
    train_critic: nn.Module | None = None

    @property
    def device(self) -> torch.device:
        return self.sampler.data.device

    @property
    def sampling_generator(self) -> nn.Module:
        """The generator used for samples and evaluation: the EMA copy when enabled."""
        return self.ema.module if self.ema is not None else self.generator

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
            "rng": capture_rng(),
        }

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
    out = {
        "python": random.getstate(),
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "gauss": float(gauss)},
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    return out


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
