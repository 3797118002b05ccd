"""Search for presets: a grid of batchable hyperparameters trained as one ensemble, W1 curves.

Where ``otgan sweep`` scores every member at the end, this follows each member's exact W1
(2000 generated points of its EMA generator against 2000 held-out points; with ``--draws N``
the mean over N pairs of latent codes and disjoint held-out sets) every ``--every`` generator
updates, and prints for each member the first update at which W1 <= floor + slack (or
``--target``),
``!`` if it went back above afterwards, the W1 at the end and the largest W1 after the first hit
(or the smallest W1 seen, if never reached).  docs/defaults.md quotes what it printed.

    python bench/search_presets.py --data 25gaussians --method wgan-gp --grid lr=1e-3,2e-3,5e-3 \
        --seeds 2 --steps 8000 --every 500
    python bench/search_presets.py --data 25gaussians --method sngan --set n_critic=2 \
        --grid lr=2e-3,5e-3 --seeds 2 --steps 6000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_toy import first_hit, pair_floors, read_w1, readout_pairs  # noqa: E402

from otgan import api
from otgan.sweep.ensemble import Ensemble
from otgan.sweep.grid import expand, parse_grid, parse_sets
from otgan.training.datasets import dataset_for


def curves(ens: Ensemble, pairs: list[list], steps: int, every: int) -> list[list[tuple]]:
    """Member k's (step, W1 averaged over pairs[k]) every ``every`` generator updates."""
    out: list[list[tuple]] = [[] for _ in ens.runs]
    while ens.step_count < steps:
        ens.train(min(every, steps - ens.step_count))
        for k in range(ens.size):
            w1 = read_w1(lambda z: ens.sample(k, z), pairs[k])[0]  # noqa: B023
            out[k].append((ens.step_count, w1))
    return out


def summary(curve, target: float) -> str:
    step, worst = first_hit(curve, target)
    end = curve[-1][1]
    if step is None:
        return f"never {end:.3f} (min {min(w for _, w in curve):.3f})"
    return f"{step}{'' if worst <= target else ' !'} {end:.3f} (max {worst:.3f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="ring")
    ap.add_argument("--method", default="wgan-gp")
    ap.add_argument("--grid", action="append", default=[], help="KEY=V1,V2 (batchable fields)")
    ap.add_argument("--set", action="append", default=[], help="KEY=VALUE for every member")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--every", type=int, default=250)
    ap.add_argument("--slack", type=float, default=0.05)
    ap.add_argument("--target", type=float, default=None, help="W1 target (default: floor + slack)")
    ap.add_argument("--draws", type=int, default=1,
                    help="W1 averaged over this many (latent codes, held-out set) pairs shared by "
                         "the members (1: each member's own evaluation codes, test[:2000])")
    args = ap.parse_args()
    torch.set_num_threads(1)
    base = dict(data=args.data, method=args.method, eval_every=0, steps=args.steps,
                **parse_sets(args.set))
    members = expand(base, parse_grid(args.grid), args.seeds)
    cfgs = [api.make_config(None, None, m.overrides) for m in members]
    ds = dataset_for(cfgs[0])
    ens = Ensemble(cfgs, ds)
    if args.draws == 1:
        pairs = [[(run.latents(2000, run.eval_seed), ds.test[:2000])] for run in ens.runs]
    else:
        pairs = [readout_pairs(ds.test, args.draws, latent_dim=ens.latent)] * ens.size
    floor = statistics.fmean(pair_floors(ds.train, pairs[0]))
    target = floor + args.slack if args.target is None else args.target
    t0 = time.perf_counter()
    result = curves(ens, pairs, args.steps, args.every)
    print(f"# {args.data} {args.method} {' '.join(args.set)}: floor {floor:.4f}, target "
          f"{target:.4f}; {len(cfgs)} members, {time.perf_counter() - t0:.0f} s")
    rows: dict[str, list[str]] = {}
    for m, curve in zip(members, result):
        label = ",".join(f"{k}={v}" for k, v in m.point.items()) or "(base)"
        rows.setdefault(label, []).append(summary(curve, target))
    for label, cells in rows.items():
        print(f"{label:32s} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
