"""otgan's semi-discrete solver against POT's ``ot.semidiscrete.solve_semidiscrete``.

Problems: mu uniform on [0,1]^d; J targets uniform in [0,1]^d with random weights (uniform
draws, normalized; seeded); cost |x - y|^2.  One independent evaluator for both solvers: the
Laguerre cell of each of 400000 fresh points of mu (otgan's ``assign``: argmin_j |x - y_j|^2 -
g_j; POT's potential g is in the same convention, see docs/semidiscrete.md), and

    TV = 0.5 sum_j |mu(L_j) - nu_j|    (cell masses counted on those points).

Even the exact solution reads TV > 0 on n points (multinomial noise, about 0.4 sqrt(J / n)): the
script prints that floor (TV of n draws of nu itself), and the target is max(--target, 2 x
floor).  Time to the target: each setting runs with a doubling (halving) iteration count, each
run from scratch (the averaging restarts), starting from the count that takes about budget / 8,
while the runs' total stays within ``--budget`` seconds per (setting, problem); it reports the
time of the shortest run that reached the target ('> budget' if none) and the best TV reached.
Settings run interleaved (one run of each in turn), so the machine's load hits all of them.
Solver time only (otgan's own final evaluation is cut to 64 points; POT has none).

J >= 10000: the evaluator costs n J cells (70 s at J = 10000 on this 2-core machine under load)
and its floor exceeds 0.05, so those sizes get the speed of each solver only: seconds per 1000
samples of mu processed.

    python bench/bench_sd_pot.py              # the table of docs/semidiscrete.md (~10 min)
    python bench/bench_sd_pot.py --quick      # J = 100, d = 2, 100000 points: about 15 s
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from otgan.semidiscrete import assign, cost_scale, solve  # noqa: E402

#: settings: (name, solver, kwargs); "tuned" marks the rules found by small runs of this script
#: (J = 100 and 1000, d = 2, 16, 128; docs/semidiscrete.md): otgan's gamma over {1, 0.3, 0.1,
#: 0.03} and batch {64, 256, 1024}; POT's batch {32, 256}, lr0 {1, 3} x s J, DRAG's eps0 {1,
#: 10} x s or off, lr_exponent {2/3, 1/2}; r = min(1, sqrt(2 / d)) the dimension's correction
DEFAULT_SETTINGS = [
    ("otgan default", "otgan", {}),
    ("otgan tuned", "otgan", {"batch": 256, "gamma": "1*r"}),
    ("POT default", "pot", {}),
    ("POT tuned", "pot", {"batch_size": 256, "lr0": "1*rsJ", "lr_exponent": 0.5,
                          "decreasing_reg": False}),
]


def machine() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        name = next(ln.split(":", 1)[1].strip() for ln in out.splitlines()
                    if ln.startswith("Model name"))
    except Exception:
        name = platform.processor() or platform.machine()
    return name


def problem(J: int, d: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    y = torch.rand(J, d, generator=g)
    w = torch.rand(J, generator=g, dtype=torch.float64)
    return y, w / w.sum()


def masses(x: torch.Tensor, y: torch.Tensor, g: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
    """mu(L_j) on the points x, L_j = {argmin_k |x - y_k|^2 - g_k = j}, float32 costs."""
    y_sq = (y * y).sum(1)
    g = g.float()
    counts = torch.zeros(y.shape[0], dtype=torch.float64)
    for i in range(0, x.shape[0], chunk):
        counts += torch.bincount(assign(x[i:i + chunk], y, g, y_sq=y_sq)[1],
                                 minlength=y.shape[0]).double()
    return counts / x.shape[0]


def tv(m: torch.Tensor, nu: torch.Tensor) -> float:
    return 0.5 * float((m - nu).abs().sum())


def floor_tv(nu: torch.Tensor, n: int, draws: int = 5, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    p = nu.numpy()
    return float(np.mean([0.5 * np.abs(rng.multinomial(n, p) / n - p).sum()
                          for _ in range(draws)]))


def _resolve(kw: dict, s: float, J: int, d: int) -> dict:
    """Values like '3*sJ' (3 s J), '1*s' (s) or '1*r' (r): tuned rules in the problem's own
    units, s = otgan's ``cost_scale`` (2 x mean squared nearest-target distance), r =
    min(1, sqrt(2 / d))."""
    r = min(1.0, (2.0 / d) ** 0.5)
    out = {}
    for k, v in kw.items():
        if isinstance(v, str) and "*" in v:
            a, unit = v.split("*")
            v = float(a) * {"s": s, "sJ": s * J, "r": r, "rsJ": r * s * J}[unit]
        out[k] = v
    return out


def run(solver: str, kw: dict, y, nu, iters: int, seed: int):
    """(seconds, potential g) of one run from scratch; g in the convention c(x, y_j) - g_j."""
    torch.manual_seed(seed)
    if solver == "otgan":
        gen = torch.Generator().manual_seed(seed)
        d = y.shape[1]
        t = time.perf_counter()
        r = solve(lambda n: torch.rand(n, d, generator=gen), y, nu.float(), steps=iters,
                  n_eval=64, **kw)
        return time.perf_counter() - t, r.psi
    import ot

    # "unif" draws from POT's backend generator (seeded from the system at import), not torch's
    ot.backend.get_backend(y).seed(seed)
    t = time.perf_counter()
    g = ot.semidiscrete.solve_semidiscrete(y, "unif", a_target=nu.float(), metric="sqeuclidean",
                                           max_iter=iters, **kw)
    return time.perf_counter() - t, g


def per_iter(solver: str, kw: dict, y, nu) -> float:
    n = 20
    t, _ = run(solver, kw, y, nu, n, 0)
    return t / n


def batch_of(solver: str, kw: dict) -> int:
    return kw.get("batch", 64) if solver == "otgan" else kw.get("batch_size", 32)


def time_to_target(settings, J, d, budget, target_arg, n_eval, seed):
    y, nu = problem(J, d, seed)
    s = cost_scale(y, "sqeuclidean")
    xe = torch.rand(n_eval, d, generator=torch.Generator().manual_seed(10**6 + seed))
    fl = floor_tv(nu, n_eval)
    target = max(target_arg, 2 * fl)
    print(f"\nJ = {J}, d = {d}: cost scale s = {s:.3g}; TV floor on {n_eval} points "
          f"{fl:.4f}; target TV {target:.4f}; budget {budget:g} s per setting", flush=True)
    st = []
    for name, solver, kw in settings:
        kw = _resolve(kw, s, J, d)
        t1 = per_iter(solver, kw, y, nu)
        iters = max(16, 2 ** round(np.log2(max(budget / 8 / t1, 1))))
        st.append(dict(name=name, solver=solver, kw=kw, iters=iters, spent=0.0, runs=[],
                       dir=0, done=False))
    while not all(x["done"] for x in st):
        for x in st:
            if x["done"]:
                continue
            secs, g = run(x["solver"], x["kw"], y, nu, x["iters"], seed + 1)
            err = tv(masses(xe, y, g), nu)
            x["spent"] += secs
            x["runs"].append((x["iters"], secs, err))
            print(f"    {x['name']:14s} {x['iters']:7d} iterations {secs:7.2f} s   TV {err:.4f}"
                  f"{'  (target)' if err <= target else ''}", flush=True)
            if x["dir"] == 0:  # first run: go down while the target is reached, else up
                x["dir"] = -1 if err <= target else 1
            if x["dir"] < 0 and (err > target or x["iters"] <= 16):
                x["dir"] = 1  # bracketed from below: now spend the rest of the budget upward
                x["iters"] = max(r[0] for r in x["runs"])
            x["iters"] = x["iters"] * 2 if x["dir"] > 0 else x["iters"] // 2
            nxt = secs * 2 if x["dir"] > 0 else 0.0
            if x["dir"] > 0 and any(r[0] == x["iters"] for r in x["runs"]):
                x["iters"] *= 2
                nxt *= 2
            x["done"] = x["spent"] + nxt > budget
    rows = []
    for x in st:
        hit = [r for r in x["runs"] if r[2] <= target]
        t_hit = min(r[1] for r in hit) if hit else None
        best = min(x["runs"], key=lambda r: r[2])
        rows.append(dict(J=J, d=d, name=x["name"], kw=x["kw"], target=target, floor=fl,
                         t_hit=t_hit, best_tv=best[2], best_iters=best[0], best_t=best[1],
                         batch=batch_of(x["solver"], x["kw"])))
    return rows


def fmt_kw(kw: dict) -> str:
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in kw.items()) or "defaults"


def speed(settings, J, d, seed):
    y, nu = problem(J, d, seed)
    s = cost_scale(y, "sqeuclidean")
    out = []
    for name, solver, kw in settings:
        kw = _resolve(kw, s, J, d)
        n = 10
        run(solver, kw, y, nu, 2, 0)  # warm-up
        t, _ = run(solver, kw, y, nu, n, 0)
        b = batch_of(solver, kw)
        out.append((name, t / n, b))
    line = "   ".join(f"{nm} {1000 * t / b:7.3f} s" for nm, t, b in out)
    print(f"    J = {J:6d}, d = {d:3d}: per 1000 samples  {line}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="J = 100, d = 2, budget 2 s")
    ap.add_argument("--J", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--d", type=int, nargs="+", default=[2, 16, 128])
    ap.add_argument("--budget", type=float, nargs="+", default=[8.0, 25.0],
                    help="seconds per (setting, problem), one per J (the last repeats)")
    ap.add_argument("--target", type=float, default=0.05)
    ap.add_argument("--n-eval", type=int, default=400_000)
    ap.add_argument("--speed-J", type=int, nargs="*", default=[10000, 128000])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--settings", nargs="*", default=None,
                    help="NAME:SOLVER:key=value,... (values like 1*sJ or 1*s are in units of "
                         "the cost scale s)")
    args = ap.parse_args()
    if args.quick:
        args.J, args.d, args.budget, args.speed_J, args.n_eval = [100], [2], [2.0], [], 100_000
    settings = DEFAULT_SETTINGS if args.settings is None else [_parse(s) for s in args.settings]
    torch.set_num_threads(1)
    import ot

    t0 = time.perf_counter()
    print(f"machine: {machine()}; torch {torch.__version__}, POT {ot.__version__}, "
          f"{torch.get_num_threads()} thread")
    for name, solver, kw in settings:
        print(f"    {name}: {solver} {fmt_kw(kw)}")
    rows = []
    for i, J in enumerate(args.J):
        budget = args.budget[min(i, len(args.budget) - 1)]
        for d in args.d:
            rows += time_to_target(settings, J, d, budget, args.target, args.n_eval, args.seed)
    print("\n| J | d | setting | time to target TV | best TV (iterations, s) |")
    print("|---|---|---|---|---|")
    for r in rows:
        hit = f"{r['t_hit']:.2f} s" if r["t_hit"] is not None else "> budget"
        print(f"| {r['J']} | {r['d']} | {r['name']} | {hit} (TV {r['target']:.3f}) | "
              f"{r['best_tv']:.4f} ({r['best_iters']}, {r['best_t']:.1f} s) |")
    print("\nratios, POT's best setting / otgan's best setting (time to target; best TV):")
    for J in args.J:
        for d in args.d:
            rs = [r for r in rows if r["J"] == J and r["d"] == d]
            o = [r for r in rs if r["name"].startswith("otgan")]
            p = [r for r in rs if r["name"].startswith("POT")]
            if not o or not p:
                continue
            th = [min((r["t_hit"] for r in grp if r["t_hit"] is not None), default=None)
                  for grp in (o, p)]
            bt = [min(r["best_tv"] for r in grp) for grp in (o, p)]
            tr = (f"{th[1] / th[0]:.2f}x" if None not in th
                  else "otgan only" if th[0] is not None
                  else "POT only" if th[1] is not None else "neither")
            print(f"    J = {J:5d}, d = {d:3d}: time {tr:>10s}   best TV {bt[1] / bt[0]:.2f}x "
                  f"({bt[1]:.4f} / {bt[0]:.4f})")
    if args.speed_J:
        print("\nspeed only (no evaluator): seconds per 1000 samples of mu processed")
        for J in args.speed_J:
            for d in args.d:
                speed(settings, J, d, args.seed)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


def _parse(spec: str):
    name, solver, *rest = spec.split(":")
    kw = {}
    for item in filter(None, (rest[0] if rest else "").split(",")):
        k, v = item.split("=")
        try:
            kw[k] = int(v)
        except ValueError:
            try:
                kw[k] = float(v)
            except ValueError:
                kw[k] = {"True": True, "False": False}.get(v, v)
    return name, solver, kw


if __name__ == "__main__":
    main()
