"""The semi-discrete dual at MNIST scale for a fixed generator: how fast averaged SGD balances the
Laguerre partition of all 60000 training images (squared cost).

mu is a trained MNIST run's generator (its EMA where it has one), frozen; nu the 60000 training
images with equal weights.  Averaged SGD on psi (batch ``--batch``, step ``--gamma``), with the
per-target step (``target``, what ``otgan solve`` uses) or the multiscale step sd-wgan trains
with (``multiscale``).  At a few step counts, on 10000 fixed generated images, in cells of the
averaged psi: distinct cells hit over the number a balanced partition would hit in expectation
(J (1 - (1 - 1/J)^n): 9214 of 60000), the share of the 10 fullest cells (balanced: about 0.3%),
and the semi-dual value (a lower bound of W2^2, rising to it).  Times are the dual steps'
alone.

    python bench/bench_mnist_dual.py RUN_DIR [--steps 1600] [--precond target|multiscale]
"""

from __future__ import annotations

import argparse
import json
import time

import torch

import otgan
from otgan.data import load_dataset
from otgan.semidiscrete import (AveragedSGD, SemiDiscreteCritic, cost_scale, dual_preconditioner,
                                multiscale_preconditioner)

CHECKS = (25, 50, 100, 200, 400)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", help="a run folder trained on mnist (its generator is mu)")
    ap.add_argument("--steps", type=int, default=1600)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--gamma", type=float, default=1.0)
    ap.add_argument("--precond", choices=("target", "multiscale"), default="target")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n-eval", type=int, default=10000)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    run = otgan.load_run(args.run)
    y = torch.as_tensor(load_dataset("mnist").train).reshape(60000, -1).float()
    J = y.shape[0]
    crit = SemiDiscreteCritic(y, None, "sqeuclidean", 0.0)
    scale = cost_scale(y, "sqeuclidean")
    pre = (dual_preconditioner(crit.nu, scale, args.batch) if args.precond == "target" else
           multiscale_preconditioner(y, crit.nu, "sqeuclidean", args.batch, scale))
    opt = AveragedSGD([crit.psi], [crit.psi_avg], args.gamma, [pre])
    seeds = torch.Generator().manual_seed(1)

    def draw(n):
        seed = int(torch.randint(0, 2 ** 31, (1,), generator=seeds))
        return torch.as_tensor(run.sample(n, seed=seed)).reshape(n, -1).float()

    xe = draw(args.n_eval)
    balanced = J * (1 - (1 - 1 / J) ** args.n_eval)

    def report(k, seconds):
        with torch.no_grad():
            parts = [xe[i:i + 2000] for i in range(0, xe.shape[0], 2000)]
            cells = torch.cat([crit.assign(p, averaged=True) for p in parts])
            value = float(torch.cat([crit.c_transform(p, averaged=True) for p in parts]).mean()
                          + (crit.nu * crit.psi_avg).sum())
        counts = torch.bincount(cells, minlength=J).sort(descending=True).values
        print(json.dumps(dict(step=k, samples_per_target=round(k * args.batch / J, 2),
                              seconds=round(seconds, 1),
                              distinct_over_balanced=round(int((counts > 0).sum()) / balanced, 4),
                              top10_share=round(float(counts[:10].sum()) / args.n_eval, 4),
                              value=round(value, 3))), flush=True)

    print(f"J = {J}, batch {args.batch}, gamma {args.gamma}, {args.precond} step, cost scale "
          f"{scale:.2f}, {args.threads} thread(s)", flush=True)
    report(0, 0.0)
    spent = 0.0
    for k in range(1, args.steps + 1):
        x = draw(args.batch)
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        (-crit.dual(x)).backward()
        opt.step()
        spent += time.perf_counter() - t
        if k in CHECKS or k % 400 == 0 or k == args.steps:
            report(k, spent)


if __name__ == "__main__":
    main()
