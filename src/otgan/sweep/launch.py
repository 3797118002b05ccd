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


def deal(shards: list, workers: int, shard=lambda s: s) -> list[list]:
    """Shards dealt to workers, largest first, each to the least loaded (members x steps);
    ``shard`` reads the shard of an item when the items carry more than the shard."""
    loads, out = [0] * workers, [[] for _ in range(workers)]
    for item in sorted(shards, key=lambda x: -len(shard(x)["members"])):
        w = loads.index(min(loads))
        out[w].append(item)
        loads[w] += len(shard(item)["members"])
    return [sorted(o, key=lambda x: shard(x)["id"]) for o in out if o]


def _job(args) -> list[tuple[int, list[dict]]]:
    """Worker: train its share of each sweep's shards (writing each into the sweep's folder
    when there is one); the results, as (sweep index, results) pairs."""
    parts, worker, progress = args
    torch.set_num_threads(1)
    out = []
    for i, plan, shards, folder in parts:
        if folder is None:
            out.append((i, [train_shard(plan, s, None, worker, progress) for s in shards]))
        else:
            out.append((i, [run_shard(folder, s["id"], worker, progress) for s in shards]))
    return out


def _worker_signals() -> None:
    """In a worker: Ctrl-C (sent to the whole process group) is the parent's to handle, and
    SIGTERM (the parent stopping its workers) ends the worker without a Python handler."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_local(plan: dict, shards: list[dict], workers: int, folder=None,
              progress: bool = False) -> list[dict]:
    """Train ``shards`` on this machine; returns their results (also written to ``folder``)."""
    return run_local_many([(plan, shards, folder)], workers, progress)[0]


def run_local_many(sweeps: list[tuple], workers: int, progress: bool = False) -> list[list[dict]]:
    """Train the shards of several sweeps, ``[(plan, shards, folder), ...]``, in one pool of
    ``workers`` processes (so that sweeps of fewer shards than workers still use every core);
    returns each sweep's results (also written to its folder).

    The shards of all sweeps are dealt together, largest first, each to the least loaded
    worker; the first share trains in this process, the others in forked (Linux) or spawned
    workers.  On Linux the workers are forked: they inherit the imported torch, POT and otgan
    (about 3 s of imports each when spawned).  Forking is safe here because nothing in this
    process has started a torch thread pool (one thread is set before forking); ensembles run
    on the CPU.
    """
    pairs = [(i, shard) for i, (_, shards, _) in enumerate(sweeps) for shard in shards]
    jobs = []
    for w, share in enumerate(deal(pairs, workers, shard=lambda pair: pair[1])):
        mine: dict[int, list[dict]] = {}
        for i, shard in share:
            mine.setdefault(i, []).append(shard)
        parts = [(i, sweeps[i][0], shards, None if sweeps[i][2] is None else str(sweeps[i][2]))
                 for i, shards in mine.items()]
        jobs.append((parts, w, progress and w == 0))
    results: list[list[dict]] = [[] for _ in sweeps]
    if not jobs:
        return results
    fork = sys.platform.startswith("linux")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    try:
        if len(jobs) == 1:
            outs = [_job(jobs[0])]
        else:
            # leaving the block terminates the workers: at once after a signal or an error here
            with ctx.Pool(len(jobs) - 1, initializer=_worker_signals) as pool:
                pending = [pool.apply_async(_job, (job,)) for job in jobs[1:]]
                outs = [_job(jobs[0])] + [p.get() for p in pending]
    finally:
        torch.set_num_threads(threads)
    for out in outs:  # in the workers' order, as each worker returned them
        for i, res in out:
            results[i].extend(res)
    return results
