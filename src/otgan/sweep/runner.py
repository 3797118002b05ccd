"""``otgan sweep``: every combination of a grid, times seeds, trained as batched ensembles.

Members are split across worker processes (one torch thread each), and within a worker grouped
into ensembles of members that share their program (``ensemble.BATCHABLE``).  Each member is
evaluated like a single run: exact W1 between 2000 generated points (its evaluation latent codes)
and 2000 held-out points, and mode coverage on the Gaussian mixtures.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ..config import resolve
from ..errors import ConfigError
from ..fileio import atomic_write_bytes, atomic_write_json
from ..methods import METHODS, get_method_class
from ..metrics import mode_coverage, wasserstein1
from ..training.datasets import dataset_for
from ..viz.sweep import plot_heatmaps, plot_sample_grid, sweep_page
from .ensemble import BATCHABLE, Ensemble
from .grid import expand

SAMPLES = 500


def _group_key(cfg) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in cfg.to_dict().items() if k not in BATCHABLE))


def _train_members(job) -> list[dict]:
    """Worker: train ``members`` as ensembles, return their metrics and samples."""
    members, steps, eval_n, config_file, worker, progress = job
    torch.set_num_threads(1)
    cfgs = [resolve(dict(m["overrides"], steps=steps, eval_every=0), config_file)
            for m in members]
    dataset = dataset_for(cfgs[0])
    groups: dict[tuple, list[int]] = {}
    for i, cfg in enumerate(cfgs):
        groups.setdefault(_group_key(cfg), []).append(i)
    results = []
    for idx in groups.values():
        t0 = time.perf_counter()
        ens = Ensemble([cfgs[i] for i in idx], dataset)
        t1 = time.perf_counter()
        ens.train(steps, progress, desc=f"{len(idx)} runs batched")
        t2 = time.perf_counter()
        seconds, train_seconds = t2 - t0, t2 - t1
        real = dataset.test[:eval_n]
        for k, i in enumerate(idx):
            run = ens.runs[k]
            fake = ens.sample(k, run.latents(eval_n, run.eval_seed))
            rec = {"index": members[i]["index"], "w1": wasserstein1(fake, real),
                   "ensemble_size": len(idx), "ensemble_seconds": seconds,
                   "train_seconds": train_seconds, "worker": worker,
                   "samples": fake[:SAMPLES].numpy().tolist()}
            if dataset.modes is not None:
                pts = ens.sample(k, run.latents(2500, run.eval_seed + 1))
                rec.update(mode_coverage(pts, dataset.modes, dataset.mode_sigma))
            results.append(rec)
    return results


def _worker_signals() -> None:
    """In a worker: Ctrl-C (sent to the whole process group) is the parent's to handle, and
    SIGTERM (the parent stopping its workers) ends the worker without a Python handler."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_jobs(jobs: list) -> list:
    """Run the first job in this process while the others run in worker processes.

    On Linux the workers are forked: they inherit the imported torch, POT and otgan (about 3 s
    of imports each when spawned, against a 13 s sweep).  Forking is safe here because nothing
    in this process has started a torch thread pool (one thread is set before forking) and the
    sweep runs on the CPU only.  Elsewhere workers are spawned.
    """
    fork = sys.platform.startswith("linux")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # each job trains on one thread
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    try:
        if len(jobs) == 1:
            return [_train_members(jobs[0])]
        # leaving the block terminates the workers: at once after a signal or an error here
        with ctx.Pool(len(jobs) - 1, initializer=_worker_signals) as pool:
            pending = [pool.apply_async(_train_members, (job,)) for job in jobs[1:]]
            first = _train_members(jobs[0])
            return [first] + [r.get() for r in pending]
    finally:
        torch.set_num_threads(threads)


def run_sweep(base: dict, grid: dict, seeds: int, steps: int, workers: int = 2,
              eval_n: int = 2000, config_file=None, progress: bool = False) -> dict:
    """Train every member; returns {"grid", "members": [...], "seconds"}.  ``progress``: a bar
    for the members trained in this process (the workers train as many, side by side)."""
    if seeds < 1 or steps < 1 or workers < 1:
        raise ConfigError("--seeds, --steps and --workers must be >= 1")
    members = expand(base, grid, seeds)
    # validate every member before any training (bad values fail fast, with the value named)
    cfgs = [resolve(dict(m.overrides, steps=steps), config_file) for m in members]
    if not get_method_class(cfgs[0].method).batchable:
        raise ConfigError(f"sweeps support the methods that can be batched "
                          f"({', '.join(n for n in METHODS if METHODS[n].batchable)}), "
                          f"not {cfgs[0].method}")
    ds = dataset_for(cfgs[0])
    if ds.train.dim() != 2:
        raise ConfigError("sweeps train the MLP pair on point data; image data runs alone")
    eval_n = min(eval_n, ds.test.shape[0])
    plain = [dict(index=m.index, overrides=m.overrides) for m in members]
    chunks = [plain[w::workers] for w in range(workers)]  # every group split evenly
    chunks = [c for c in chunks if c]
    jobs = [(c, steps, eval_n, config_file, w, progress and w == 0)
            for w, c in enumerate(chunks)]
    t0 = time.perf_counter()
    parts = _run_jobs(jobs)
    seconds = time.perf_counter() - t0
    by_index = {r["index"]: r for part in parts for r in part}
    out = []
    for m in members:
        r = by_index[m.index]
        out.append(dict(point=m.point, seed=m.seed, **{k: v for k, v in r.items()
                                                        if k != "index"}))
    return {"grid": grid, "base": base, "steps": steps, "seeds": seeds, "workers": len(jobs),
            "seconds": seconds, "members": out}


METRIC_KEYS = ("w1", "modes_covered", "high_quality_pct")


def summarize(result: dict) -> list[dict]:
    """One row per grid point: mean and standard deviation over seeds of every metric."""
    rows: dict[tuple, dict] = {}
    for m in result["members"]:
        key = tuple(m["point"].items())
        rows.setdefault(key, {"point": m["point"], "values": {}})
        for k in METRIC_KEYS:
            if k in m:
                rows[key]["values"].setdefault(k, []).append(m[k])
    table = []
    for row in rows.values():
        stats = {k: (float(np.mean(v)), float(np.std(v))) for k, v in row["values"].items()}
        table.append({"point": row["point"], "stats": stats, "n": len(row["values"]["w1"])})
    return table


def format_table(table: list[dict]) -> str:
    keys = list(table[0]["point"])
    metrics = [k for k in METRIC_KEYS if k in table[0]["stats"]]
    head = "| " + " | ".join(keys + [f"{m} (mean ± std)" for m in metrics]) + " |"
    lines = [head, "|" + "---|" * (len(keys) + len(metrics))]
    for row in table:
        cells = [f"{row['point'][k]:g}" if isinstance(row["point"][k], float)
                 else str(row["point"][k]) for k in keys]
        cells += [f"{row['stats'][m][0]:.4g} ± {row['stats'][m][1]:.2g}" for m in metrics]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


#: the files ``write_sweep`` writes in its folder
SWEEP_FILES = ("sweep.json", "table.md", "heatmaps.png", "samples.png", "sweep.html")


def write_sweep(result: dict, out: Path, dataset_name: str) -> Path:
    """sweep.json, table.md, heatmaps.png, samples.png and sweep.html in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    table = summarize(result)
    slim = dict(result, members=[{k: v for k, v in m.items() if k != "samples"}
                                 for m in result["members"]])
    atomic_write_json(out / "sweep.json", dict(slim, table=table))
    text = format_table(table)
    atomic_write_bytes(out / "table.md", (text + "\n").encode())
    heat = plot_heatmaps(result["grid"], table, out / "heatmaps.png")
    grid_png = plot_sample_grid(result, out / "samples.png", dataset_name)
    page = sweep_page(result, text, heat, grid_png)
    atomic_write_bytes(out / "sweep.html", page.encode())
    return out / "sweep.html"


def ideal_workers() -> int:
    import os

    return max(1, min(2, os.cpu_count() or 1))


__all__ = ["run_sweep", "summarize", "format_table", "write_sweep"]
