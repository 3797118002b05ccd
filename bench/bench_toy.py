"""otgan against the lab's own loop on the ring, in one process and one run.

Prints
  (a) critic updates per second: the lab loop (DataLoader, batch 64, weight clipping) and otgan on
      the same work (wgan-clip, the paper's values, batch 64), then otgan's default method;
  (b) for each seed, the training wall time each needs to first reach exact W1 <= 0.1 between
      2000 generated and 2000 held-out points, and the largest W1 measured afterwards (does it
      stay below?).  Evaluation time is not counted; both sides use the same data, the same
      held-out points and the same evaluation.

    python bench/bench_toy.py                 # 3 seeds, ~6 minutes on 2 CPU cores
    python bench/bench_toy.py --seeds 1 --horizon 20

Goal (foundation issue): otgan's default reaches W1 <= 0.1 at least 3x sooner than the lab loop
with weight clipping, and stays there.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lab_reference import lab_steps  # noqa: E402

from otgan import api  # noqa: E402
from otgan.data import load_dataset  # noqa: E402
from otgan.metrics import wasserstein1  # noqa: E402
from otgan.training.loop import Hooks, train_loop  # noqa: E402

TARGET = 0.1


def lab_run(data, seed: int, horizon: float, eval_every: int, z, real):
    """Lab loop: (time, W1) every ``eval_every`` generator updates until ``horizon`` seconds."""
    it = lab_steps(data.train, seed=seed)
    curve, t_train, gstep, critic = [], 0.0, 0, 0
    t0 = time.perf_counter()
    while t_train < horizon:
        G, critic = next(it)
        gstep += 1
        if gstep % eval_every == 0:
            t_train += time.perf_counter() - t0
            with torch.no_grad():
                curve.append((round(t_train, 3), wasserstein1(G(z), real)))
            t0 = time.perf_counter()
    return curve, critic / t_train


def otgan_run(overrides: dict, seed: int, horizon: float, eval_every: int, real):
    """otgan's loop with evaluation every ``eval_every`` updates until ``horizon`` seconds."""
    cfg = api.make_config(None, None, dict(overrides, data="ring", seed=seed, steps=10**9,
                                           eval_every=0, log_every=10**9))
    run = api.start_run(cfg, load_dataset("ring"))
    curve = []
    while run.state.train_time < horizon:
        cfg.steps = run.state.step + eval_every
        train_loop(run.state, run.method, cfg, Hooks(), progress=False)
        ctx = run.eval_context(len(real))
        curve.append((round(run.state.train_time, 3), wasserstein1(ctx.fake, real)))
    return curve, run.state.critic_steps / run.state.train_time


def first_hit(curve):
    """(time of first W1 <= TARGET, largest W1 from then on), or (None, None)."""
    for i, (t, w) in enumerate(curve):
        if w <= TARGET:
            return t, max(v for _, v in curve[i:])
    return None, None


def throughput(overrides: dict, seconds: float) -> float:
    cfg = api.make_config(None, None, dict(overrides, data="ring", steps=10**9, eval_every=0,
                                           log_every=10**9))
    run = api.start_run(cfg, load_dataset("ring"))
    while run.state.train_time < seconds:
        cfg.steps = run.state.step + 50
        train_loop(run.state, run.method, cfg, Hooks(), progress=False)
    return run.state.critic_steps / run.state.train_time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--horizon", type=float, default=40.0,
                    help="training seconds per run (both sides)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = load_dataset("ring")
    real = data.test[:2000]
    z = torch.randn(2000, 2, generator=torch.Generator().manual_seed(12345))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); ring, "
          f"{data.train.shape[0]} training points; W1 on 2000 generated vs 2000 held-out")

    same_work = dict(method="wgan-clip", preset="paper", threads=args.threads)
    default = dict(method="wgan-gp", threads=args.threads)
    tp_same = throughput(same_work, 5.0)
    tp_default = throughput(default, 5.0)
    results = {"seeds": [], "threads": args.threads}
    rows = []
    for seed in range(args.seeds):
        lab_curve, lab_ups = lab_run(data, seed, args.horizon, 100, z, real)
        ot_curve, ot_ups = otgan_run(default, seed, args.horizon, 50, real)
        lab_t, lab_max = first_hit(lab_curve)
        ot_t, ot_max = first_hit(ot_curve)
        rows.append((seed, lab_t, lab_max, ot_t, ot_max, lab_ups))
        results["seeds"].append({"seed": seed, "lab": lab_curve, "otgan": ot_curve})
        fmt = lambda t, m: ("never" if t is None else f"{t:6.2f} s, max after {m:.3f}")  # noqa
        print(f"seed {seed}: lab loop reaches W1<={TARGET} at {fmt(lab_t, lab_max)};  "
              f"otgan default at {fmt(ot_t, ot_max)}")

    lab_rate = statistics.mean(r[5] for r in rows)
    print()
    print("(a) critic updates per second")
    print(f"    lab loop (DataLoader, wgan-clip, batch 64):      {lab_rate:8.0f}")
    print(f"    otgan, same work (wgan-clip paper preset):       {tp_same:8.0f}   "
          f"ratio {tp_same / lab_rate:.2f}x")
    print(f"    otgan default (wgan-gp default preset):          {tp_default:8.0f}")
    hits = [(r[1], r[3]) for r in rows if r[1] is not None and r[3] is not None]
    stays = all(r[4] is not None and r[4] <= TARGET for r in rows)
    print(f"(b) time to first reach W1 <= {TARGET} (training seconds)")
    for seed, lab_t, _, ot_t, _, _ in rows:
        ratio = f"{lab_t / ot_t:.1f}x sooner" if lab_t and ot_t else "n/a"
        print(f"    seed {seed}: lab {lab_t if lab_t is not None else 'never'}  otgan "
              f"{ot_t if ot_t is not None else 'never'}  -> {ratio}")
    if hits:
        speedup = statistics.median(a / b for a, b in hits)
        print(f"    median speed-up {speedup:.1f}x; otgan stays <= {TARGET} after reaching it "
              f"in every seed: {stays}")
        results.update(speedup=speedup, stays=stays)
    results.update(lab_updates_per_s=lab_rate, otgan_same_work_updates_per_s=tp_same,
                   otgan_default_updates_per_s=tp_default)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
