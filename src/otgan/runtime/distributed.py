"""Data-parallel training with torch.distributed (``torchrun --nproc_per_node=N -m otgan train``).

Semantics: ``batch_size`` is the **global** batch; each of the W ranks processes B / W of its
rows.  Every rank replays the same global random stream (same seed) and takes its own rows of
each global draw (batch indices, latent codes, interpolation weights), so a run on W ranks
computes the same global batch as a single process would: gradients averaged over ranks equal
the single-process gradient of the global mean, and the results do not depend on W (up to the
order of floating-point sums; ``tests/training/test_distributed.py``).

The networks are wrapped in ``DistributedDataParallel`` (gradient all-reduce overlapped with the
backward pass; spectral-norm vectors, buffers, are broadcast from rank 0 at every forward).  The
gradient penalty's double backward goes through DDP in a single forward pass per critic update.
The semi-discrete critic has no network: its dual vector's gradient is all-reduced explicitly.
Only rank 0 writes the run folder (config, logs, checkpoints, evaluations); logged training
statistics are averaged over ranks first.
"""

from __future__ import annotations

import gc
import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    #: otgan joined the process group (``init_from_env``), and leaves it (``leave``)
    joined: bool = field(default=False, compare=False)

    @property
    def active(self) -> bool:
        return self.size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, t: torch.Tensor) -> torch.Tensor:
        """This rank's rows of a tensor drawn for the global batch."""
        if self.size == 1:
            return t
        b = t.shape[0] // self.size
        return t[self.rank * b:(self.rank + 1) * b]

    def mean_grads_(self, params) -> None:
        """Average the gradients of ``params`` over ranks (for modules without DDP)."""
        if self.size == 1:
            return
        for p in params:
            if p.grad is not None:
                dist.all_reduce(p.grad)
                p.grad /= self.size

    def any_(self, flag: bool) -> bool:
        """Whether ``flag`` is set on any rank (so that every rank stops at the same update)."""
        if self.size == 1:
            return flag
        t = torch.tensor([int(flag)])
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item())

    def from_main(self, value: int) -> int:
        """Rank 0's ``value`` on every rank (what rank 0 alone decided from the folder)."""
        if self.size == 1:
            return value
        t = torch.tensor([int(value)])
        dist.broadcast(t, src=0)
        return int(t.item())

    def barrier(self) -> None:
        if self.size > 1:
            dist.barrier()

    def mean_(self, record: dict) -> dict:
        """Average the numbers of a log record over ranks."""
        if self.size == 1:
            return record
        keys = [k for k, v in record.items() if isinstance(v, float)]
        t = torch.tensor([record[k] for k in keys], dtype=torch.float64)
        dist.all_reduce(t)
        record.update({k: float(v) / self.size for k, v in zip(keys, t)})
        return record


#: a single process: the context of every run not started by torchrun
SINGLE = World()


def init_from_env(device: torch.device) -> World:
    """This process's place in the job torchrun describes in the environment, joining its
    process group (a single process without torchrun).  The ``World`` is passed explicitly to
    whatever needs it (the run's state, sampler and method); nothing global is set."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return SINGLE
    joined = not dist.is_initialized()
    if joined:
        # NCCL for the GPU tensors, gloo for the small CPU ones (log records, stop flags)
        dist.init_process_group("cuda:nccl,cpu:gloo" if device.type == "cuda" else "gloo")
    # DDP warns when a (1, k) weight's gradient is laid out unlike its bucket: harmless here
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    return World(dist.get_rank(), dist.get_world_size(), joined)


def leave(world: World, finished: bool = True) -> None:
    """The end of this rank's part: when the run ``finished``, wait until every rank is there
    (rank 0 writes the run's last files while the others are done); then leave the process
    group ``init_from_env`` joined (one the caller made is left to the caller).  The modules
    that held the group (DDP wrappers) must be gone by then (``fit._released``).

    A gloo rank can abort as its process exits ("terminate called without an active
    exception", SIGABRT; pytorch/pytorch#190489): in a two-process gloo script whose rank 1
    exited while rank 0 was still busy (bench/bench_gloo_exit.py), 3 in 49 with the group left
    up, 2 in 80 with the group destroyed while a DDP module still held it, 0 in 150 with the
    module dropped first.  After a failure or a signal the other ranks may be gone: no
    waiting, the group is only left."""
    if not world.active or not dist.is_initialized():
        return
    if finished:
        dist.barrier()
    if world.joined:
        gc.collect()  # modules that held the group (DDP) are gone: the group ends with this
        dist.destroy_process_group()


@contextmanager
def taking_part(world: World):
    """``leave`` at the end of the block: once every rank has finished it, or at once when it
    raises."""
    try:
        yield
    except BaseException:
        leave(world, finished=False)
        raise
    leave(world)


def wrap(module: torch.nn.Module, device: torch.device, world: World):
    """``module`` in DistributedDataParallel when the job has several ranks."""
    if not world.active or not any(p.requires_grad for p in module.parameters()):
        return module
    from torch.nn.parallel import DistributedDataParallel as DDP

    ids = [device.index if device.index is not None else 0] if device.type == "cuda" else None
    return DDP(module, device_ids=ids, gradient_as_bucket_view=True)


def is_ddp(module) -> bool:
    from torch.nn.parallel import DistributedDataParallel as DDP

    return isinstance(module, DDP)
