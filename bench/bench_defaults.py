"""Every method's presets on every built-in toy set: how fast they converge and whether they stay.

For each (method, preset, dataset) a run of ``--horizon`` training seconds, exact W1 between 2000
generated points (EMA generator where the preset has one) and 2000 held-out points every
``--every`` generator updates, averaged over ``--draws`` pairs of latent codes and disjoint
held-out sets (bench_toy.read_w1).  The target is the dataset's noise floor (W1 between the
training and held-out draws, 2000 points each, measured in the run on the same held-out sets)
plus ``--slack``.  Each cell prints
``time to first reach the target / W1 at the end`` and a ``!`` when W1 rose above the target
again after reaching it.  docs/defaults.md holds the table this printed.

    python bench/bench_defaults.py --presets default \
        --methods gan,gan-ns,wgan-clip,wgan-gp,wgan-lp,sngan   # 35 min on 2 cores
    python bench/bench_defaults.py --methods wgan-gp --presets default --horizon 10
    python bench/bench_defaults.py --methods sd-wgan,wgan-gp --presets default --seeds 0,1,2,3

Each run also records, at its end, the modes covered (mixtures) and the critic's estimate of W1
(``otgan eval``'s ``w_estimate``: the refined critic), summarized over the seeds; for sd-wgan,
whose estimate is a lower bound of W1 between the generator and its targets, also over that W1
computed exactly: the network simplex between the generator's image of a latent quadrature
(``latent_quadrature``: a midpoint grid, 16384 codes, and 4096 to show it has converged) and the
weighted targets; and over an upper bound (the refined dual's mass-corrected Laguerre plan:
``primal_bound``), which brackets it with a guarantee but loosely.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_toy import first_hit, otgan_run, pair_floors, readout_pairs  # noqa: E402

from otgan.metrics.ot import wasserstein  # noqa: E402
from otgan.nets.latent import latent_quadrature  # noqa: E402
from otgan.semidiscrete import primal_bound  # noqa: E402
from otgan.training.evaluation import estimating_critic  # noqa: E402

from otgan.data import load_dataset  # noqa: E402
from otgan.methods import METHODS  # noqa: E402
from otgan.metrics.modes import mode_coverage  # noqa: E402
from otgan.sweep.grid import parse_sets  # noqa: E402

DATASETS = ("ring", "8gaussians", "25gaussians", "swissroll", "moons")


def one(job):
    method, preset, data, seed, horizon, every, slack, draws, sets = job
    torch.set_num_threads(1)
    ds = load_dataset(data)
    from otgan.config import resolve

    cfg = resolve(dict(method=method, preset=preset, data=data, **sets))
    pairs = readout_pairs(ds.test, draws, latent_dim=cfg.latent_dim or 2, latent=cfg.latent)
    floor = statistics.fmean(pair_floors(ds.train, pairs))
    curve, ups, run = otgan_run(dict(method=method, preset=preset, threads=1, **sets), seed,
                                horizon, every, pairs, data=data)
    t, worst = first_hit(curve, floor + slack)
    # at the end: modes covered (2500 points) and the critic's estimate of W1 (the refined
    # critic's, as `otgan eval` reports it) over the last W1 reading
    modes = None
    if ds.modes is not None:
        modes = mode_coverage(run.sample(2500, seed=777), ds.modes, ds.mode_sigma)
        modes = modes["modes_covered"]
    est = run.evaluate(["critic"]).get("w_estimate") if run.method.estimates == "W" else None
    w_upper = w_exact = None
    if run.method.critic_from_data and not run.method.latent_critic:
        # the semi-dual estimates W1 to its own targets (sd-wgan's; AE-OT's dual is latent); exact OT on a sample of G is biased
        # upward (8gaussians: 0.051, 0.039, 0.031 on 2000, 8000, 32000 points), so the
        # references are exact OT from a latent quadrature (to_targets) and an upper bound:
        # the cost of the Laguerre plan of the same refined dual, mass-corrected
        # (primal_bound), on 10^7 generated points
        critic = estimating_critic(run, run.config.eval_critic_steps, run.eval_seed + 2)
        x = torch.as_tensor(run.sample(10_000_000, seed=778))
        x = run.normalizer.encode(x)
        w_upper = primal_bound(x, critic.y, critic.psi_avg, critic.nu, cost=critic.cost)
        w_exact = [to_targets(run, critic, n) for n in (4096, 16384)]
    return dict(method=method, preset=preset, data=data, seed=seed, floor=floor, hit=t,
                worst_after=worst, stays=t is not None and worst <= floor + slack,
                end=curve[-1][1], modes=modes, w_estimate=est, w1_upper=w_upper,
                w1_targets=w_exact, curve=curve)


def to_targets(run, critic, n: int) -> float:
    """W1 (or W2^2, by the critic's cost) between the generator and its weighted targets: exact
    OT from the image of an n-code latent quadrature (a random sample's is biased upward:
    8gaussians 0.051, 0.039, 0.031 on 2000, 8000, 32000 points against 0.0276 here)."""
    x = run.generate(latent_quadrature(run.config.latent, run.latent_dim, n))
    x = run.normalizer.encode(x)
    p = 1 if critic.cost == "euclidean" else 2
    w = wasserstein(x, critic.y, None, (critic.nu / critic.nu.sum()).double(), p=p)
    return w if p == 1 else w * w


def cell(r) -> str:
    if r["hit"] is None:
        return f"never / {r['end']:.3f}"
    return f"{r['hit']:.0f} s{'' if r['stays'] else ' !'} / {r['end']:.3f}"


def summary(rs) -> str:
    """Over seeds: reached (seeds), the largest W1 after the first hit (max over seeds), the
    fewest modes covered at the end, the critic's estimate over exact W1 at the end (range)."""
    hit = [r for r in rs if r["hit"] is not None]
    out = f"{len(hit)}/{len(rs)}"
    if hit:
        out += f", max after {max(r['worst_after'] for r in hit):.3f}"
    modes = [r["modes"] for r in rs if r.get("modes") is not None]
    if modes:
        out += f", modes >= {min(modes)}"
    ratios = [r["w_estimate"] / r["end"] for r in rs if r.get("w_estimate") is not None]
    if ratios:
        out += f", est/W1 {min(ratios):.2f}-{max(ratios):.2f}"
    exact = [r for r in rs if r.get("w1_targets") and r.get("w_estimate") is not None]
    if exact:  # W1(G, targets) by exact OT on a latent quadrature; its change from 4096 codes
        ratios = [r["w_estimate"] / r["w1_targets"][-1] for r in exact]
        moved = max(abs(r["w1_targets"][-1] / r["w1_targets"][0] - 1) for r in exact)
        out += (f", est/W1(G, targets) {min(ratios):.3f}-{max(ratios):.3f} (quadrature "
                f"16384 vs 4096 codes: {100 * moved:.2f}%)")
    ratios = [r["w_estimate"] / r["w1_upper"] for r in rs if r.get("w1_upper")]
    if ratios:  # est <= W1(G, targets) <= upper: est / W1 is at least this
        out += f", est/upper(W1(G, targets)) {min(ratios):.2f}-{max(ratios):.2f}"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--presets", default="default,paper")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--seeds", default="0", help="comma-separated seeds (one table each)")
    ap.add_argument("--horizon", type=float, default=60.0, help="training seconds per run")
    ap.add_argument("--every", type=int, default=100, help="generator updates between W1")
    ap.add_argument("--slack", type=float, default=0.05, help="target = floor + slack")
    ap.add_argument("--workers", type=int, default=2, help="processes (one thread each)")
    ap.add_argument("--draws", type=int, default=1,
                    help="(latent codes, held-out points) pairs W1 is averaged over")
    ap.add_argument("--set", action="append", default=[],
                    help="KEY=VALUE on top of every preset (a candidate preset)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    datasets = args.datasets.split(",")
    sets = parse_sets(args.set)
    seeds = [int(s) for s in args.seeds.split(",")]
    methods, presets = args.methods.split(","), args.presets.split(",")
    jobs = [(m, p, d, seed, args.horizon, args.every, args.slack, args.draws, sets)
            for seed in seeds for m in methods for p in presets for d in datasets]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(one, jobs))
    floors = {r["data"]: r["floor"] for r in results}
    print(f"torch {torch.__version__}; seeds {args.seeds}; {args.horizon:.0f} training seconds "
          f"per run; target = floor + {args.slack}" + "".join(f"; --set {s}" for s in args.set))
    print("floors: " + ", ".join(f"{d} {floors[d]:.4f}" for d in datasets))
    print()
    print("| method | preset | seed | " + " | ".join(datasets) + " |")
    print("|---|---|---|" + "---|" * len(datasets))
    for m in methods:
        for p in presets:
            for seed in seeds:
                rs = {r["data"]: r for r in results
                      if (r["method"], r["preset"], r["seed"]) == (m, p, seed)}
                print(f"| `{m}` | {p} | {seed} | " + " | ".join(cell(rs[d]) for d in datasets)
                      + " |")
    print()
    print("Over the seeds: seeds that reached the target, the largest W1 after first reaching it,")
    print("the fewest modes covered at the end, the critic's estimate of W1 over exact W1 at the end")
    print("(held-out, as read; for a critic over the training points also over W1 between the")
    print("generator and those weighted points, the quantity its semi-dual estimates: exact OT from")
    print("a 16384-code latent quadrature, with its change from 4096 codes; and over an upper bound)")
    print()
    print("| method | preset | " + " | ".join(datasets) + " |")
    print("|---|---|" + "---|" * len(datasets))
    for m in methods:
        for p in presets:
            print(f"| `{m}` | {p} | " + " | ".join(
                summary([r for r in results if (r["method"], r["preset"], r["data"]) == (m, p, d)])
                for d in datasets) + " |")
    if args.json:
        args.json.write_text(json.dumps(results))


if __name__ == "__main__":
    main()
