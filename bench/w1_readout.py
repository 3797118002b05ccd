"""How much a W1 curve depends on the draw it is read on: one run, read on several draws.

Trains one run (otgan's loop, ``--method`` with its default preset) and, every ``--every``
generator updates, reads exact W1 of its sampling generator on ``--draws`` pairs (2000 latent
codes, 2000 held-out points; disjoint held-out sets), the pairs of bench_toy.py.  For each
draw alone, and for their mean, prints the first update at which W1 <= ``--target``, the
largest W1 afterwards and the mean afterwards, beside the draw's floor (its held-out points
against as many training points); then the standard deviation of one reading
across the draws, from the first time the mean reached the target.

    python bench/w1_readout.py --seed 2          # about 6 minutes on one core
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_toy import draw_w1s, first_hit, pair_floors, readout_pairs  # noqa: E402

from otgan import api  # noqa: E402
from otgan.training.loop import Hooks, train_loop  # noqa: E402
from otgan.training.build import start_run  # noqa: E402
from otgan.training.datasets import dataset_for  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="ring")
    ap.add_argument("--method", default="wgan-gp")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--target", type=float, default=0.1)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = api.make_config(None, None, dict(method=args.method, data=args.data, seed=args.seed,
                                           steps=args.steps, eval_every=0, log_every=10**9))
    run = start_run(cfg, dataset_for(cfg))
    pairs = readout_pairs(run.dataset.test, args.draws, latent_dim=run.latent_dim)
    curves: list[list[tuple[int, float]]] = [[] for _ in pairs]
    while run.state.step < args.steps:
        cfg.steps = min(run.state.step + args.every, args.steps)
        train_loop(run.state, run.method, cfg, Hooks(), progress=False)
        for curve, w in zip(curves, draw_w1s(run.generate, pairs)):
            curve.append((run.state.step, w))
    mean = [(c[0][0], statistics.fmean(w for _, w in c)) for c in zip(*curves)]
    print(f"{args.data} {args.method} seed {args.seed}: {args.steps} updates, W1 every "
          f"{args.every}, target {args.target}")
    floors = pair_floors(run.dataset.train, pairs)
    named = [(f"draw {k}", c, f) for k, (c, f) in enumerate(zip(curves, floors))]
    for name, curve, floor in named + [("mean", mean, statistics.fmean(floors))]:
        step, worst = first_hit(curve, args.target)
        head = f"  {name:7s} floor {floor:.3f}: "
        if step is None:
            print(head + f"never (min {min(w for _, w in curve):.3f})")
            continue
        after = [w for s, w in curve if s >= step]
        print(head + f"first <= target at {step:5d}, largest after {worst:.3f}"
              f"{'' if worst <= args.target else ' !'}, mean after {statistics.fmean(after):.3f}")
    start = first_hit(mean, args.target)[0] or 0
    sds = [statistics.stdev(w for _, w in evals) for evals in zip(*curves) if evals[0][0] >= start]
    print(f"  standard deviation across the draws, from the mean's first hit on: "
          f"{statistics.fmean(sds):.4f} on average, {max(sds):.4f} at most")


if __name__ == "__main__":
    main()
