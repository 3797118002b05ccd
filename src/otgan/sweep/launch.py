"""The local launcher: shards dealt to worker processes of this machine.

The shards are dealt to ``workers`` processes of one torch thread each; the first share trains
in this process, the others in forked (Linux) or spawned workers.  (The SLURM launcher:
``slurm.py``.)
"""

from __future__ import annotations

import multiprocessing
import signal
import sys

import torch

from .shard import run_shard, train_shard


def deal(shards: list[dict], workers: int) -> list[list[dict]]:
    """Shards dealt to workers, largest first, each to the least loaded (members x steps)."""
    loads, out = [0] * workers, [[] for _ in range(workers)]
    for shard in sorted(shards, key=lambda s: -len(s["members"])):
        w = loads.index(min(loads))
        out[w].append(shard)
        loads[w] += len(shard["members"])
    return [sorted(o, key=lambda s: s["id"]) for o in out if o]


def _job(args) -> list[dict]:
    """Worker: train its shards (writing each into the folder when there is one)."""
    plan, shards, folder, worker, progress = args
    torch.set_num_threads(1)
    if folder is None:
        return [train_shard(plan, s, None, worker, progress) for s in shards]
    return [run_shard(folder, s["id"], worker, progress) for s in shards]


def _worker_signals() -> None:
    """In a worker: Ctrl-C (sent to the whole process group) is the parent's to handle, and
    SIGTERM (the parent stopping its workers) ends the worker without a Python handler."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_local(plan: dict, shards: list[dict], workers: int, folder=None,
              progress: bool = False) -> list[dict]:
    """Train ``shards`` on this machine; returns their results (also written to ``folder``).

    On Linux the workers are forked: they inherit the imported torch, POT and otgan (about 3 s
    of imports each when spawned).  Forking is safe here because nothing in this process has
    started a torch thread pool (one thread is set before forking); ensembles run on the CPU.
    """
    jobs = [(plan, part, None if folder is None else str(folder), w, progress and w == 0)
            for w, part in enumerate(deal(shards, workers))]
    if not jobs:
        return []
    fork = sys.platform.startswith("linux")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    try:
        if len(jobs) == 1:
            return _job(jobs[0])
        # leaving the block terminates the workers: at once after a signal or an error here
        with ctx.Pool(len(jobs) - 1, initializer=_worker_signals) as pool:
            pending = [pool.apply_async(_job, (job,)) for job in jobs[1:]]
            first = _job(jobs[0])
            return first + [r for p in pending for r in p.get()]
    finally:
        torch.set_num_threads(threads)
