"""Batches of training data, drawn from a tensor that lives on the device."""

from __future__ import annotations

import torch

from ..errors import ConfigError
from ..runtime.distributed import SINGLE, World


class BatchSampler:
    """Shuffled batches, without replacement within an epoch, from a tensor on the device.

    Indexing a resident tensor with a slice of a permutation replaces a DataLoader's per-row
    collation; the last incomplete batch of an epoch is dropped.  In a distributed run every
    rank draws the same global permutation and takes its own rows of each global batch.
    """

    def __init__(self, data: torch.Tensor, batch_size: int,
                 generator: torch.Generator | None = None, world: World = SINGLE):
        if batch_size > data.shape[0]:
            raise ConfigError(f"batch_size {batch_size} exceeds the {data.shape[0]} training "
                              f"points")
        self.data, self.batch_size, self.generator = data, batch_size, generator
        self.world = world
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
        return self.data[self.world.shard(idx)]  # this rank's rows of the global batch

    def state_dict(self) -> dict:
        return {"perm": None if self.perm is None else self.perm.cpu(), "pos": self.pos}

    def load_state_dict(self, sd: dict) -> None:
        self.perm = None if sd["perm"] is None else sd["perm"].to(self.data.device)
        self.pos = int(sd["pos"])
