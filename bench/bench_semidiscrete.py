"""Semi-discrete OT: c-transform throughput at MNIST scale, and solver accuracy against steps.

(a) psi^c(x) with its gradient for J = 60000 targets of dimension 784 (MNIST's size) and a
    batch of 256, otgan's chunked c-transform against a plain ``torch.cdist`` + ``min`` baseline
    with autograd, in the same run; prints the time of each and the ratio.
(b) The worked example of docs/semidiscrete.md (uniform measure on the unit square, four
    weighted Diracs): relative error against POT's exact cost on a 100 x 100 grid of the dual
    value on 1e6 fresh samples and of the dual value for the grid measure itself (a lower bound
    by weak duality, free of sampling error), and the largest relative cell-mass error, after
    500 ... 20000 averaged-SGD steps.

(c) One generator update of sd-wgan at J = 60000, d = 784, batch 256: ``--n-critic`` dual steps
    (each the cell assignment of a batch and the psi gradient) and one generator step (the
    c-transform's value and its gradient in x), for otgan, the dense cdist+min reference and
    KeOps (a ``pykeops`` LazyTensor argmin, ``pip install pykeops``: compiled on first use;
    skipped, saying why, where it is not installed or cannot compile), values agreeing; and the
    GFLOP/s otgan's distance products reach against the machine's matrix-multiply rate measured
    in the same run (the physical limit of this computation), so the gap is a printed number.

    python bench/bench_semidiscrete.py [--threads 1] [--repeats 3] [--n-critic 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from otgan.metrics.ot import cost_matrix, emd2  # noqa: E402
from otgan.semidiscrete import c_transform, solve  # noqa: E402


def baseline(x, y, psi, cost):
    """What one writes without otgan: the full distance matrix, then a min, under autograd."""
    d = torch.cdist(x, y)
    c = d if cost == "euclidean" else d * d
    return (c - psi[None]).min(1).values


def time_it(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def throughput(device: str, repeats: int, j: int = 60000, d: int = 784, b: int = 256) -> None:
    g = torch.Generator().manual_seed(0)
    y = torch.rand(j, d, generator=g).to(device)
    x0 = torch.rand(b, d, generator=g).to(device)
    psi = (0.01 * torch.randn(j, generator=g)).to(device).requires_grad_(True)
    print(f"(a) c-transform with gradient, J = {j}, d = {d}, batch {b}, {device}")
    for cost in ("euclidean", "sqeuclidean"):
        def ours():
            x = x0.clone().requires_grad_(True)
            c_transform(x, y, psi, cost=cost).sum().backward()

        def base():
            x = x0.clone().requires_grad_(True)
            baseline(x, y, psi, cost).sum().backward()

        t_ours, t_base = time_it(ours, repeats), time_it(base, repeats)
        x = x0.clone()
        agree = torch.allclose(c_transform(x, y, psi, cost=cost), baseline(x, y, psi, cost),
                               rtol=1e-4, atol=1e-3)
        print(f"    {cost:11s}: otgan {t_ours * 1e3:8.1f} ms   cdist+min {t_base * 1e3:8.1f} ms"
              f"   ratio {t_base / t_ours:5.2f}x   values agree: {agree}")


def keops_assign(cost: str):
    """(x, y, psi) -> argmin_j c(x, y_j) - psi_j by a KeOps LazyTensor reduction, or the reason
    it is not available."""
    try:
        from pykeops.torch import LazyTensor
    except Exception as e:  # not installed, or a broken install
        return f"pykeops not importable ({type(e).__name__}: {e})"

    def arg(x, y, psi):
        sq = ((LazyTensor(x[:, None, :]) - LazyTensor(y[None, :, :])) ** 2).sum(-1)
        c = sq.sqrt() if cost == "euclidean" else sq
        return (c - LazyTensor(psi[None, :, None])).argmin(dim=1).view(-1).long()
    return arg


def _update_with(assign_fn, x0, y, psi, cost, n_critic):
    """One sd-wgan update built on an assignment function: n_critic psi gradients (minus the
    cell counts over the batch) and the generator's gradient at the assigned targets."""
    b = x0.shape[0]
    for _ in range(n_critic):
        a = assign_fn(x0, y, psi)
        torch.zeros_like(psi).index_add_(0, a, torch.full((b,), -1.0 / b, device=psi.device))
    a = assign_fn(x0, y, psi)
    diff = x0 - y[a]
    g = 2 * diff if cost == "sqeuclidean" else diff / diff.norm(dim=1, keepdim=True)
    value = (diff.norm(dim=1) if cost == "euclidean" else diff.pow(2).sum(1)) - psi[a]
    return value, g


def update_speed(device: str, repeats: int, n_critic: int, j: int = 60000, d: int = 784,
                 b: int = 256) -> None:
    from otgan.semidiscrete import assign

    g = torch.Generator().manual_seed(1)
    y = torch.rand(j, d, generator=g).to(device)
    x0 = torch.rand(b, d, generator=g).to(device)
    psi = (0.01 * torch.randn(j, generator=g)).to(device)
    a_mm, b_mm = torch.rand(b, d, generator=g).to(device), y.T.contiguous()
    t_mm = time_it(lambda: a_mm @ b_mm, repeats)
    peak = 2 * b * d * j / t_mm / 1e9
    print(f"(c) one sd-wgan update: {n_critic} dual steps + 1 generator step, J = {j}, d = {d}, "
          f"batch {b}, {device}")
    print(f"    machine: ({b} x {d}) @ ({d} x {j}) in {t_mm * 1e3:.1f} ms = {peak:.1f} GFLOP/s "
          f"(fp32 matrix product, the limit)")
    for cost in ("euclidean", "sqeuclidean"):
        def ours():
            for _ in range(n_critic):
                assign(x0, y, psi, cost=cost)
            x = x0.clone().requires_grad_(True)
            c_transform(x, y, psi, cost=cost).sum().backward()

        def dense():
            for _ in range(n_critic):
                with torch.no_grad():
                    baseline(x0, y, psi, cost)
            x = x0.clone().requires_grad_(True)
            baseline(x, y, psi, cost).sum().backward()

        t_ours, t_dense = time_it(ours, repeats), time_it(dense, repeats)
        # otgan's passes: n_critic assignments, one forward and one backward (which only
        # gathers the assigned targets: counted as no product)
        gflops = 2 * b * d * j * (n_critic + 1) / t_ours / 1e9
        line = (f"    {cost:11s}: otgan {t_ours:6.3f} s ({gflops:5.1f} GFLOP/s, "
                f"{gflops / peak:4.0%} of the limit)   cdist+min {t_dense:6.3f} s "
                f"({t_dense / t_ours:4.2f}x)")
        keops = keops_assign(cost)
        if isinstance(keops, str):
            line += f"   KeOps: skipped, {keops}"
        else:
            try:
                ref = assign(x0, y, psi, cost=cost)[1]
                got = keops(x0, y, psi)
                v_ref = c_transform(x0, y, psi, cost=cost)
                v_k = _update_with(keops, x0, y, psi, cost, 0)[0]
                agree = bool((got == ref).float().mean() > 0.999
                             and torch.allclose(v_k, v_ref, rtol=1e-4, atol=1e-3))
                t_k = time_it(lambda: _update_with(keops, x0, y, psi, cost, n_critic), repeats)
                line += f"   KeOps {t_k:6.3f} s ({t_k / t_ours:4.2f}x otgan's time)   " \
                        f"values agree: {agree}"
            except Exception as e:  # compilation failures surface here
                line += f"   KeOps: skipped, it failed ({type(e).__name__}: {str(e)[:200]})"
        print(line)


def accuracy() -> None:
    y = torch.tensor([[0.2, 0.2], [0.8, 0.3], [0.5, 0.8], [0.3, 0.6]], dtype=torch.float64)
    nu = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    m = 100
    u = (np.arange(m) + 0.5) / m
    grid = np.stack(np.meshgrid(u, u), -1).reshape(-1, 2)
    print("(b) worked example: uniform on [0,1]^2 -> 4 weighted Diracs, batch 512, 1e6 "
          "evaluation samples")
    for cost, p in (("euclidean", 1), ("sqeuclidean", 2)):
        exact = emd2(np.full(m * m, 1 / m ** 2), nu.numpy(), cost_matrix(grid, y.numpy(), p))
        print(f"    {cost} (exact {'W1' if p == 1 else 'W2^2'} on a {m}x{m} grid: {exact:.6f})")
        for steps in (500, 2000, 5000, 20000):
            g = torch.Generator().manual_seed(0)
            t = time.perf_counter()
            r = solve(lambda n: torch.rand(n, 2, generator=g, dtype=torch.float64), y, nu,
                      cost=cost, steps=steps, batch=512, n_eval=10**6)
            rel = float(((r.masses.double() - nu).abs() / nu).max())
            psi = r.psi.double()  # its dual value for the grid measure: exact, a lower bound
            h_grid = float(c_transform(torch.from_numpy(grid), y, psi, cost=cost).mean() + nu @ psi)
            print(f"      {steps:6d} steps: value {r.cost:.6f} ({(r.cost - exact) / exact:+.3%})"
                  f"   on the grid {(h_grid - exact) / exact:+.3%}"
                  f"   max relative mass error {rel:.2%}   {time.perf_counter() - t:5.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--n-critic", type=int, default=5, help="dual steps per generator update")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    throughput(args.device, args.repeats)
    update_speed(args.device, args.repeats, args.n_critic)
    if not args.skip_accuracy:
        accuracy()


if __name__ == "__main__":
    main()
