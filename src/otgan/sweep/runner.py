"""``otgan sweep``: every combination of a grid, times seeds, planned into shards and trained.

Members that share their program train as batched ensembles (``ensemble.py``), the others as
plain runs (``shard.py``); each member is evaluated as its single run is.  With a folder, every
shard's results land there atomically, a re-run trains only the shards not done, and the
outputs are merged from the folder (``collect.py``); without one, nothing is written.
"""

from __future__ import annotations

import time

from .collect import collect, merge
from .folder import SweepFolder
from .launch import run_local, run_local_many
from .plan import make_plan


def run_sweep(base: dict, grid: dict, seeds: int, steps: int, workers: int = 2,
              eval_n: int | None = None, config_file=None, progress: bool = False, out=None,
              overwrite: bool = False, shard_size: int | None = None, batch: bool = True) -> dict:
    """Train every member on this machine; returns {"grid", "members": [...], "seconds", ...}.

    ``out``: the sweep folder (finished shards there are not trained again; the outputs are
    written at the end).  ``progress``: a bar for the shards trained in this process.
    ``batch`` False: plain runs only (each in its folder under ``out``, ``time_limit`` kept)."""
    plan = make_plan(base, grid, seeds, steps, eval_n, config_file, shard_size, workers, batch)
    t0 = time.perf_counter()
    if out is None:
        results = run_local(plan, plan["shards"], workers, None, progress)
        return merge(plan, results, time.perf_counter() - t0, min(workers, len(plan["shards"])))
    return run_sweeps([dict(base=base, grid=grid, seeds=seeds, steps=steps, eval_n=eval_n,
                            config_file=config_file, out=out, overwrite=overwrite,
                            shard_size=shard_size, batch=batch)], workers, progress)[0]


def run_sweeps(sweeps: list[dict], workers: int = 2, progress: bool = False) -> list[dict]:
    """Several sweeps, each with its folder (``run_sweep``'s arguments as a dict, ``out``
    required), trained in one pool of ``workers`` processes: the shards not done of every
    folder are dealt together, so that sweeps of one seed each still use every core
    (``read_runs``: the caller reads the runs' folders afterwards: ``SweepFolder.sound_runs``).
    Returns each folder's collected outputs, in order."""
    t0 = time.perf_counter()
    prepared = []
    for sw in sweeps:
        plan = make_plan(sw["base"], sw["grid"], sw["seeds"], sw["steps"], sw.get("eval_n"),
                         sw.get("config_file"), sw.get("shard_size"), workers,
                         sw.get("batch", True))
        folder = SweepFolder.prepare(sw["out"], plan, sw.get("overwrite", False))
        if sw.get("read_runs"):  # its runs are read once trained: a damaged one trains again
            folder.sound_runs()
        plan = folder.plan()
        done = folder.done()
        prepared.append((plan, [s for s in plan["shards"] if s["id"] not in done], folder.path))
    run_local_many(prepared, workers, progress)
    pending = sum(len(shards) for _, shards, _ in prepared)
    return [collect(path, time.perf_counter() - t0, min(workers, max(1, pending)))
            for _, _, path in prepared]


def ideal_workers() -> int:
    import os

    return max(1, min(2, os.cpu_count() or 1))


__all__ = ["run_sweep", "run_sweeps", "ideal_workers"]
