"""``otgan benchmark mixtures``: the 2D mixtures protocol of VEEGAN (2017) and PacGAN (2018).

Every configuration (method and preset) trains ``seeds`` runs on each mixture, the ring of 8
Gaussians (radius 1, sigma 0.01) and the grid of 25 (spacing 2, sigma 0.05) as otgan's
``8gaussians`` and ``25gaussians``, which are those sets under one exact scale (``data/toy.py``,
``PUBLISHED``); each run then draws 2500 samples, and a sample is high quality when it lies
within 3 sigma of its nearest mode, a mode covered when at least one high-quality sample is
nearest to it (``metrics/modes.py``).  The same 2500 latent codes are also read after each
refinement asked for (discriminator optimal transport, ``training/refine.py``), and, for the
methods whose discriminator estimates a density ratio, 2500 samples kept by discriminator
rejection sampling (``training/reject.py``; other latent codes: it draws until it keeps 2500).
Reported: the
mean and standard error over seeds beside the published rows (``published.json``).
"""

from __future__ import annotations

from ..api import load_run
import torch

from ..metrics.modes import mode_coverage, mode_spread
from ..metrics.ot import wasserstein1
from ..sweep.folder import SweepFolder
from ..training.refine import Refinement
from ..training.reject import Rejection
from .folder import BenchmarkFolder
from .published import published
from .report import write_mixtures
from .runs import Budget, check_request, parse_configs, train_sweeps

SETS = ("8gaussians", "25gaussians")
#: generated samples per run (the protocol's)
N_SAMPLES = 2500
#: samples of exact W1 to as many held-out points (the first of the 2500)
W1_SAMPLES = 1000
#: the refinement the benchmark reads beside the plain samples unless told otherwise
#: (a ``Rejection`` is read only where the method's discriminator estimates a density ratio)
DEFAULT_REFINE = {"dot": Refinement(steps=100), "dot k/10": Refinement(steps=100, k_scale=0.1),
                  "drs": Rejection()}
#: the latent codes of the protocol's samples: the run's evaluation stream + 1, as the ``modes``
#: metric draws them
CODES = 1


def run_mixtures(methods=("wgan-gp",), presets=("default",), *, seeds: int = 10,
                 steps: int | None = None, seconds: float | None = 60.0, workers: int = 2,
                 out="benchmark-mixtures", sets=SETS, refine: dict | None = None,
                 overwrite: bool = False, progress: bool = False,
                 extra: dict | None = None, say=print) -> dict:
    """Train and measure; returns the result (also written to ``out``: benchmark.json,
    table.md, samples.png).  ``methods``: names, ``NAME:PRESET`` for a preset of its own;
    ``refine``: {label: Refinement} read beside the plain samples (None: ``DEFAULT_REFINE``,
    {}: none); ``extra``: config fields every run takes."""
    budget = Budget(steps, seconds)
    configs = parse_configs(methods, presets)
    extra = dict(extra or {})
    refine = DEFAULT_REFINE if refine is None else refine
    for data in sets:
        if data not in SETS:
            raise ValueError(f"mixtures: {data!r} is not one of {', '.join(SETS)}")
    check_request(configs, sets, seeds, budget, workers, extra)  # before anything is created
    folder = BenchmarkFolder.prepare(out, overwrite)
    folder.room_for_outputs()  # (before training: the outputs are written after it)
    tasks = [(folder.sweep_path(data, method, preset), data, method, preset)
             for data in sets for method, preset in configs]
    for path, data, method, preset in tasks:
        say(f"{data}: {method} ({preset}), {seeds} seeds of {budget.label()} -> {path}")
    train_sweeps(tasks, seeds, budget, workers, extra, progress)
    return collect_mixtures(folder.path, refine, first=configs)


def collect_mixtures(out, refine: dict | None = None, first=()) -> dict:
    """Every finished run of every sweep in the benchmark folder ``out`` measured (this
    command's configurations ``first``, then the others the folder holds), and the outputs
    written there."""
    folder = BenchmarkFolder.open(out)
    folder.room_for_outputs()
    refine = DEFAULT_REFINE if refine is None else refine
    torch.set_num_threads(1)  # small networks; two threads wait on each other on a busy CPU
    members, budgets, configs = [], set(), []
    for data in SETS:
        sweeps = sorted((folder.path / data).glob("*")) if (folder.path / data).is_dir() else []
        found = {}
        for path in sweeps:
            if not SweepFolder(path).marked():
                continue
            base = SweepFolder.open(path).plan()["base"]
            method = SweepFolder.open(path).plan()["grid"]["method"][0]
            found[(method, base["preset"])] = path
            budgets.add(f"{base['time_limit']:g} s" if base.get("time_limit") else
                        f"{SweepFolder.open(path).plan()['steps']} updates")
        order = [c for c in first if c in found] + sorted(c for c in found if c not in first)
        for method, preset in order:
            members += measure_sweep(found[(method, preset)], data, method, preset, refine)
            if (method, preset) not in configs:
                configs.append((method, preset))
    sets = [d for d in SETS if any(m["data"] == d for m in members)] or list(SETS)
    result = {"benchmark": "mixtures", "budget": ", ".join(sorted(budgets)),
              "samples": N_SAMPLES, "sets": sets, "configs": [list(c) for c in configs],
              "refinements": {k: vars(v) for k, v in refine.items()},
              "members": members, "published": published("mixtures")}
    write_mixtures(result, folder.path)
    return result


def measure_sweep(path, data: str, method: str, preset: str, refine: dict) -> list[dict]:
    """One record per finished run of the sweep in ``path`` and per variant (plain, each
    refinement): modes covered, high-quality percentage, KL, the high-quality samples' spread
    about their modes over the data's (``mode_spread``: 1 for the mixture less its 3-sigma cut,
    0 on the centres), exact W1 of the first 1000 samples to 1000 held-out points, and the
    samples (not saved)."""
    sweep = SweepFolder.open(path)
    plan = sweep.plan()
    done = {r["index"] for res in sweep.results().values() for r in res["records"]}
    out = []
    for m in plan["members"]:
        if m["index"] not in done:
            continue
        run = load_run(sweep.run_path(m["index"]))
        ds = run.dataset
        last = [r for r in run.history if "step" in r]
        base = {"data": data, "method": method, "preset": preset, "seed": m["seed"],
                "steps": last[-1]["step"] if last else None,
                "train_seconds": next((r["time"] for r in reversed(last) if "time" in r), None)}
        z = run.latents(N_SAMPLES, run.eval_seed + CODES)
        variants = {"plain": lambda: run.generate(z)}
        for label, how in refine.items():
            if isinstance(how, Rejection):
                if run.method.spec.density_ratio:
                    variants[label] = lambda how=how: run.rejected(N_SAMPLES, how,
                                                                   seed=m["seed"])[0]
            elif run.refinable:
                variants[label] = lambda how=how: run.refined(z, how, seed=m["seed"])
        real = ds.test[:W1_SAMPLES].double()
        for label, draw in variants.items():
            x = draw().detach().cpu().double().numpy()
            rec = dict(base, variant=label, **mode_coverage(x, ds.modes, ds.mode_sigma),
                       spread=mode_spread(x, ds.modes, ds.mode_sigma),
                       w1=wasserstein1(torch.from_numpy(x[:W1_SAMPLES]), real))
            rec["points"] = x
            out.append(rec)
    return out
