"""What the numbers otgan shows as W are worth, measured against known answers.

    python bench/bench_critics.py                 # oracle + tracking, seed 0
    python bench/bench_critics.py --part oracle --steps 2000
    python bench/bench_critics.py --part tracking --seeds 0,1,2

* **oracle**: a critic trained alone (``otgan.fit_critic``, each method's default preset)
  between a toy set's points and the same points translated by t = (0.5, 0), so W1 = 0.5
  exactly; printed: the raw critic gap E D(real) - E D(fake), the estimate otgan shows as W
  (gap / slope on the data), their ratios to W1, and the Lipschitz diagnostics.
* **tracking**: a default-preset training run (``otgan.train``) evaluated every 50 updates;
  printed: the Spearman rank correlation of the held-out W estimate with exact W1 over the run,
  and the range of estimate / W1 over the evaluations where W1 > 3 noise floors.
"""

from __future__ import annotations

import argparse
import torch

import otgan
from otgan.methods import IMPLEMENTATIONS, METHODS
from otgan.training.evaluation import noise_floor

W1_METHODS = [n for n, c in IMPLEMENTATIONS.items()
              if METHODS[n].estimates == "W" and not c.critic_from_data]


def oracle(methods, datasets, steps, seed):
    print(f"\noracle: W1 = 0.5 (translation by (0.5, 0)), {steps} critic updates, seed {seed}")
    print(f"{'method':10s} {'data':11s} {'gap':>7s} {'gap/W1':>7s} {'W est':>7s} "
          f"{'est/W1':>7s} {'slope':>7s} {'seconds':>8s}")
    for data in datasets:
        for m in methods:
            r = otgan.fit_critic(data, data, method=m, steps=steps, seed=seed, shift=(0.5, 0.0))
            slope = r.get("w_critic_slope", float("nan"))
            print(f"{m:10s} {data:11s} {r['critic_gap']:7.3f} {r['critic_gap'] / r['w1']:7.3f} "
                  f"{r['w_estimate']:7.3f} {r['w_ratio']:7.3f} {slope:7.3f} "
                  f"{r['seconds']:8.1f}", flush=True)


def tracking(methods, datasets, steps, seeds):
    from scipy.stats import spearmanr

    print(f"\ntracking: default preset, {steps} updates, evaluation every 50 (2000 vs 2000 "
          "held-out points)")
    print(f"{'method':10s} {'data':11s} {'seed':>4s} {'spearman':>8s} {'n far':>5s} "
          f"{'min est/W1':>10s} {'max est/W1':>10s}")
    for data in datasets:
        for m in methods:
            for seed in seeds:
                run = otgan.train(data=data, method=m, steps=steps, seed=seed, eval_every=50,
                                  metrics="w1,critic", tensorboard=False)
                floor = noise_floor(run.dataset, 2000)
                rec = [r for r in run.history if "w1" in r and "w_estimate" in r]
                w1 = [r["w1"] for r in rec]
                est = [r["w_estimate"] for r in rec]
                rho = spearmanr(w1, est)[0]
                far = [b / a for a, b in zip(w1, est) if a > 3 * floor]
                lo, hi = (min(far), max(far)) if far else (float("nan"),) * 2
                print(f"{m:10s} {data:11s} {seed:4d} {rho:8.3f} {len(far):5d} {lo:10.3f} "
                      f"{hi:10.3f}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--part", choices=["oracle", "tracking", "all"], default="all")
    p.add_argument("--methods", default=",".join(W1_METHODS))
    p.add_argument("--data", default="ring,8gaussians")
    p.add_argument("--steps", type=int, default=2000, help="critic updates (oracle)")
    p.add_argument("--train-steps", type=int, default=600, help="generator updates (tracking)")
    p.add_argument("--seeds", default="0")
    a = p.parse_args()
    methods, datasets = a.methods.split(","), a.data.split(",")
    seeds = [int(s) for s in a.seeds.split(",")]
    torch.set_num_threads(1)
    if a.part in ("oracle", "all"):
        oracle(methods, datasets, a.steps, seeds[0])
    if a.part in ("tracking", "all"):
        tracking(methods, datasets, a.train_steps, seeds)


if __name__ == "__main__":
    main()
