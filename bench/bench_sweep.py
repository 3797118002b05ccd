"""K = 16 configurations: one ``otgan sweep`` against the same 16 runs one after another.

Same run, same work: wgan-clip with the paper's batch 64 and n_critic 5 on the ring, a 4 x 4 grid
of clip values and learning rates, ``--steps`` generator updates each, every run evaluated at
the end (exact W1, 2000 vs 2000).  Sequential runs use otgan's single-run loop on one thread;
the sweep uses batched ensembles on one worker, then on two worker processes (one thread each).
Prints aggregate generator updates per second and the ratios, twice: end to end (process start,
building, training and evaluation, the wall time a user waits) and for training alone (the
updates themselves; for the sweep, the slowest worker's training time).

Then the cost of shards on one machine (2 workers): the same sweep trained in memory and its
outputs written (the sweep before shards), against the sharded sweep in a folder (plan.json,
each shard's results written atomically, a checkpoint every 1000 updates, outputs merged from
the shard files by collect), alternately three times; the overhead is the best sharded time
over the best in-memory time, minus one.

    python bench/bench_sweep.py [--steps 1000] [--method wgan-clip]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from otgan import api
from otgan.metrics import wasserstein1
from otgan.sweep.collect import write_outputs
from otgan.sweep.grid import expand
from otgan.sweep.runner import run_sweep
from otgan.training.loop import train_loop
from otgan.training.build import start_run
from otgan.training.datasets import dataset_for

GRID = {"clip": [0.005, 0.01, 0.02, 0.05], "lr": [2e-5, 5e-5, 1e-4, 2e-4]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--method", default="wgan-clip")
    args = ap.parse_args()
    torch.set_num_threads(1)
    grid = dict(GRID) if args.method == "wgan-clip" else {"lr": GRID["lr"],
                                                            "ema": [0.0, 0.9, 0.99, 0.999]}
    base = {"data": "ring", "method": args.method, "preset": "paper", "seed": 0}
    members = expand(base, grid, seeds=1)
    k = len(members)
    t0, seq_train = time.perf_counter(), 0.0
    for m in members:
        cfg = api.make_config(None, None, dict(m.overrides, steps=args.steps, eval_every=0,
                                               log_every=10**9))
        run = start_run(cfg, dataset_for(cfg))
        t1 = time.perf_counter()
        train_loop(run.state, run.method, cfg, progress=False)
        seq_train += time.perf_counter() - t1
        fake = run.generate(run.latents(2000, run.eval_seed))
        wasserstein1(fake, run.dataset.test[:2000])
    seq = time.perf_counter() - t0
    rate = lambda s: k * args.steps / s  # noqa: E731
    print(f"torch {torch.__version__}; {args.method} paper preset (batch 64, n_critic 5), "
          f"K = {k} configurations x {args.steps} generator updates")
    print("| runs | end to end s | updates/s | ratio | training s | updates/s | ratio |")
    print("|---|---|---|---|---|---|---|")
    print(f"| sequential single runs (1 thread) | {seq:.1f} | {rate(seq):.0f} | 1 | "
          f"{seq_train:.1f} | {rate(seq_train):.0f} | 1 |")
    for workers in (1, 2):
        res = run_sweep(base, grid, 1, args.steps, workers=workers)
        s = res["seconds"]
        per_worker: dict[int, float] = {}
        for m in res["members"]:  # one ensemble per worker: its members share train_seconds
            per_worker[m["worker"]] = m["train_seconds"]
        tr = max(per_worker.values())
        print(f"| sweep, {workers} worker process(es) | {s:.1f} | {rate(s):.0f} | "
              f"{seq / s:.2f}x | {tr:.1f} | {rate(tr):.0f} | {seq_train / tr:.2f}x |",
              flush=True)
    print("\nshard scheduling on one machine (2 workers, outputs written either way):")
    memory, sharded = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(3):
            t0 = time.perf_counter()
            res = run_sweep(base, grid, 1, args.steps, workers=2)
            write_outputs(res, Path(tmp) / f"memory{rep}")
            memory.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            run_sweep(base, grid, 1, args.steps, workers=2, out=Path(tmp) / f"sharded{rep}")
            sharded.append(time.perf_counter() - t0)
            print(f"  run {rep + 1}: in memory {memory[-1]:.2f} s, sharded {sharded[-1]:.2f} s",
                  flush=True)
    print(f"  best: in memory {min(memory):.2f} s, sharded {min(sharded):.2f} s; overhead "
          f"{100 * (min(sharded) / min(memory) - 1):+.1f}% (target <= 5%)")


if __name__ == "__main__":
    main()
