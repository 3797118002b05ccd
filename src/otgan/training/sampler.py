"""Batches of training data, drawn from a tensor that lives on the device."""

from __future__ import annotations

import torch

from ..errors import ConfigError
from ..runtime.distributed import SINGLE, World


class BatchSampler:
    """Shuffled batches, without replacement within an epoch, from a tensor on the device.

    Indexing a resident tensor with a slice of a permutation replaces a DataLoader's per-row
    collation; the last incomplete batch of an epoch is dropped.  In a distributed run every
    rank draws the same global permutation and takes its own rows of each global batch.  A
    batch larger than the data spans several permutations (each point as often as the others);
    with ``weights`` (a weighted discrete measure) an epoch is ``len(data)`` independent draws
    with probabilities ``weights``.
    """

    def __init__(self, data: torch.Tensor, batch_size: int,
                 generator: torch.Generator | None = None, world: World = SINGLE,
                 weights: torch.Tensor | None = None):
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        self.data, self.batch_size, self.generator = data, batch_size, generator
        self.weights = None if weights is None else weights.to(data.device, torch.float32)
        self.world = world
        self.perm: torch.Tensor | None = None
        self.pos = 0

    def next(self) -> torch.Tensor:
        n = self.data.shape[0]
        if self.perm is None or self.pos + self.batch_size > self.perm.shape[-1]:
            reps = -(-self.batch_size // n)  # permutations per epoch: 1 unless batch > data
            self.perm = torch.cat([self._permutation(n) for _ in range(reps)], dim=-1)
            self.pos = 0
        idx = self.perm[..., self.pos:self.pos + self.batch_size]
        self.pos += self.batch_size
        return self._rows(idx)

    def _permutation(self, n: int) -> torch.Tensor:
        if self.weights is not None:
            return torch.multinomial(self.weights, n, replacement=True, generator=self.generator)
        return torch.randperm(n, device=self.data.device, generator=self.generator)

    def _rows(self, idx: torch.Tensor) -> torch.Tensor:
        return self.data[self.world.shard(idx)]  # this rank's rows of the global batch

    def state_dict(self) -> dict:
        return {"perm": None if self.perm is None else self.perm.cpu(), "pos": self.pos}

    def load_state_dict(self, sd: dict) -> None:
        self.perm = None if sd["perm"] is None else sd["perm"].to(self.data.device)
        self.pos = int(sd["pos"])
