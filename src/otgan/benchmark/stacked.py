"""``otgan benchmark stacked-mnist``: Stacked MNIST as VEEGAN (2017) and PacGAN (2018) measure it.

Every configuration trains ``seeds`` runs on ``stacked-mnist`` (``data/stacked.py``: 128000
images of three MNIST training digits in three channels) with the ``stacked`` metric
(``metrics/stacked.py``: 26000 samples, each channel read by otgan's MNIST classifier, modes
covered of 1000 and KL to uniform) at every evaluation, so each run gives its curve of modes
and KL against training time.  At the end, each run's generator is also read through the
critic when asked for (``readings``): 26000 samples kept by discriminator rejection sampling
for the methods whose discriminator estimates a density ratio (``training/reject.py``), and
26000 samples refined by discriminator optimal transport (``training/refine.py``; other latent
codes than the curve's).  Beside them: the classifier's MNIST test accuracy, the real stacked
test set read the same way (its triple accuracy, its mode count and KL: the ceiling), and the
published rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ..api import load_run
from ..fileio import atomic_write_bytes, atomic_write_json
from ..sweep.folder import SweepFolder
from ..training.reject import Rejection
from ..viz.style import figure, save
from .folder import BenchmarkFolder
from .published import published
from .runs import Budget, check_request, mean_se, parse_configs, train_sweeps

DATA = "stacked-mnist"
#: the readings through the critic unless told otherwise: none.  Both are asked for: rejection
#: kept fewer than 1 in 290 of a trained discriminator's proposals, and refinement in pixel
#: space lost modes, where measured (docs/benchmarks.md)
DEFAULT_READINGS: dict = {}
#: the latent codes of the refined readings: the run's evaluation stream + 1
CODES = 1


def real_ceiling() -> dict:
    """The MNIST classifier's test accuracy, and the real stacked test set read by it: triple
    accuracy, modes covered and KL (the numbers a generator is set beside)."""
    from ..data.dataset import load_dataset
    from ..metrics.stacked import classify_triples, mnist_classifier, mode_histogram

    model, accuracy = mnist_classifier()
    ds = load_dataset(DATA)
    pred = classify_triples(ds.test, model)
    truth = ds.info["test_triples"].numpy()
    read = mode_histogram(pred)
    return {"classifier_test_accuracy": accuracy,
            "triple_accuracy": float((pred == truth).mean()),
            "real_modes": read["stacked_modes"], "real_kl": read["stacked_kl"],
            "real_kl_digits": read["stacked_kl_digits"],
            "real_modes_true_labels": mode_histogram(truth)["stacked_modes"],
            "samples": int(len(pred))}


def run_stacked_mnist(methods=("wgan-gp",), presets=("images",), *, seeds: int = 1,
                      steps: int | None = None, seconds: float | None = 1800.0,
                      eval_every: int = 2000, workers: int = 2, out="benchmark-stacked",
                      readings: dict | None = None, overwrite: bool = False,
                      progress: bool = False, extra: dict | None = None, say=print) -> dict:
    """Train and measure; returns the result (also written to ``out``: benchmark.json,
    table.md, samples.png, curves.png).  ``eval_every``: generator updates between the
    evaluations of the curve (and one at the end); ``readings``: {label: Rejection or
    Refinement} read at the end (None: ``DEFAULT_READINGS``, {}: none)."""
    budget = Budget(steps, seconds)
    configs = parse_configs(methods, presets)
    extra = {"metrics": "stacked", "eval_every": eval_every, **(extra or {})}
    check_request(configs, [DATA], seeds, budget, workers, extra)  # before anything is created
    folder = BenchmarkFolder.prepare(out, overwrite)
    folder.room_for_outputs()  # (before training: the outputs are written after it)
    tasks = [(folder.sweep_path(DATA, method, preset), DATA, method, preset)
             for method, preset in configs]
    for path, data, method, preset in tasks:
        say(f"{data}: {method} ({preset}), {seeds} seeds of {budget.label()} -> {path}")
    train_sweeps(tasks, seeds, budget, workers, extra, progress)
    ceiling = cached_ceiling(folder.path)
    say(f"otgan's MNIST classifier: test accuracy {ceiling['classifier_test_accuracy']:.4f}; "
        f"real stacked test set: triple accuracy {ceiling['triple_accuracy']:.4f}, "
        f"{ceiling['real_modes']} modes, KL {ceiling['real_kl']:.4f} (the ceiling)")
    return collect_stacked(folder.path, ceiling, budget.label(), readings)


def cached_ceiling(out) -> dict:
    """``real_ceiling``, read back from the folder's benchmark.json when an earlier collection
    computed it with the same classifier (26000 x 3 digits classified: minutes on a CPU)."""
    from ..metrics.stacked import mnist_classifier

    path = Path(out) / "benchmark.json"
    accuracy = mnist_classifier()[1]
    try:
        old = json.loads(path.read_text()).get("ceiling") or {}
    except (OSError, ValueError):
        old = {}
    if old.get("classifier_test_accuracy") == accuracy and "real_kl_digits" in old:
        return old
    return real_ceiling()


def read_through_critic(run, readings: dict, seed: int) -> dict:
    """{label: {"modes", "kl"[, "acceptance"]}}: 26000 samples of each reading (a rejection
    only where the run's discriminator estimates a density ratio) read as the metric reads."""
    from ..metrics.stacked import SAMPLES, classify_triples, mode_histogram

    out, z = {}, None
    for label, how in readings.items():
        if isinstance(how, Rejection):
            if not run.method.spec.density_ratio:
                continue
            x, info = run.rejected(SAMPLES, how, seed=seed)
            extra = {"acceptance": info["acceptance"]}
        else:
            if not run.refinable:
                continue
            z = run.latents(SAMPLES, run.eval_seed + CODES) if z is None else z
            x, extra = run.refined(z, how, seed=seed), {}
        h = mode_histogram(classify_triples(x.detach().float().cpu()))
        out[label] = {"modes": h["stacked_modes"], "kl": h["stacked_kl"],
                      "kl_digits": h["stacked_kl_digits"], **extra}
    return out


def measure_run(path, method: str, preset: str, seed: int, readings: dict) -> dict:
    run = load_run(path)
    times = {r["step"]: r["time"] for r in run.history if "time" in r and "step" in r}
    curve = []
    for r in run.history:
        if r.get("eval") and "stacked_modes" in r:
            t = times.get(r["step"]) or max((v for s, v in times.items() if s <= r["step"]),
                                            default=None)
            curve.append({"step": r["step"], "seconds": t, "modes": r["stacked_modes"],
                          "kl": r["stacked_kl"], "kl_digits": r.get("stacked_kl_digits")})
    last = curve[-1] if curve else {}
    images = run.sample(64, seed=0)
    return {"method": method, "preset": preset, "seed": seed, "steps": last.get("step"),
            "train_seconds": last.get("seconds"), "modes": last.get("modes"),
            "kl": last.get("kl"), "kl_digits": last.get("kl_digits"), "curve": curve,
            "images": images,
            "readings": read_through_critic(run, readings, seed)}


def collect_stacked(out, ceiling: dict | None = None, budget: str = "",
                    readings: dict | None = None) -> dict:
    folder = BenchmarkFolder.open(out)
    folder.room_for_outputs()
    readings = DEFAULT_READINGS if readings is None else readings
    torch.set_num_threads(1)  # as the runs trained; two threads wait on each other on a busy CPU
    members = []
    for path in sorted((folder.path / DATA).glob("*")) if (folder.path / DATA).is_dir() else []:
        if not SweepFolder(path).marked():
            continue
        sweep = SweepFolder.open(path)
        plan = sweep.plan()
        done = {r["index"] for res in sweep.results().values() for r in res["records"]}
        method, preset = plan["grid"]["method"][0], plan["base"]["preset"]
        for m in plan["members"]:
            if m["index"] in done:
                members.append(measure_run(sweep.run_path(m["index"]), method, preset,
                                           m["seed"], readings))
    ceiling = ceiling or cached_ceiling(folder.path)
    rows = {}
    for m in members:
        rows.setdefault((m["method"], m["preset"], "plain"), []).append(m)
        for label, read in m["readings"].items():
            rows.setdefault((m["method"], m["preset"], label), []).append(dict(m, **read))
    table = [{"method": k[0], "preset": k[1], "variant": k[2], "seeds": len(v),
              "modes": mean_se(r["modes"] for r in v), "kl": mean_se(r["kl"] for r in v),
              "kl_digits": mean_se(r.get("kl_digits") for r in v),
              "steps": mean_se(r["steps"] for r in v)[0],
              "train_seconds": mean_se(r["train_seconds"] for r in v)[0]}
             for k, v in rows.items()]
    result = {"benchmark": "stacked-mnist", "budget": budget, "ceiling": ceiling,
              "readings": {k: vars(v) for k, v in readings.items()},
              "rows": table, "members": members, "published": published("stacked-mnist")}
    result["table"] = stacked_table(result)
    slim = dict(result, members=[{k: v for k, v in m.items() if k != "images"}
                                 for m in members])
    atomic_write_json(folder.path / "benchmark.json", slim)
    atomic_write_bytes(folder.path / "table.md", (result["table"] + "\n").encode())
    plot_images(members, folder.path / "samples.png")
    plot_curves(members, folder.path / "curves.png")
    return result


def _pm(ms, fmt):
    m, se = ms
    return "" if m is None else fmt.format(m) + ("" if se is None else " ± " + fmt.format(se))


def stacked_table(result: dict) -> str:
    c = result["ceiling"]
    lines = ["| configuration | modes (of 1000) | KL | of which digits | seeds | updates | "
             "training s |", "|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        steps = "" if r["steps"] is None else f"{r['steps']:.0f}"
        secs = "" if r["train_seconds"] is None else f"{r['train_seconds']:.0f}"
        what = "" if r.get("variant", "plain") == "plain" else f" + {r['variant']}"
        digits = _pm(r.get("kl_digits", (None, None)), "{:.3f}")
        lines.append(f"| {r['method']} ({r['preset']}){what} | {_pm(r['modes'], '{:.1f}')} | "
                     f"{_pm(r['kl'], '{:.3f}')} | {digits} | {r['seeds']} | {steps} | {secs} |")
    digits = c.get("real_kl_digits")
    lines.append(f"| real stacked test set (ceiling) | {c['real_modes']} | {c['real_kl']:.3f} | "
                 f"{'' if digits is None else f'{digits:.3f}'} | | | |")
    for p in result["published"]:
        kl = "" if p["kl"] is None else f"{p['kl']:g}"
        lines.append(f"| {p['method']} (published: {p['table']}) | {p['modes']:g} | {kl} | "
                     f"| | | |")
    return "\n".join(lines) + (
        f"\n\nOurs: mean ± standard error over seeds, 26000 samples, budget {result['budget']} "
        f"per run; otgan's MNIST classifier: test accuracy {c['classifier_test_accuracy']:.4f}, "
        f"triple accuracy on the real stacked test set {c['triple_accuracy']:.4f}; \"of which "
        f"digits\": the part of KL the three channels' digit histograms carry (each against "
        f"uniform over 10, summed), the rest is the channels' dependence."
        + ("" if all(r.get("variant", "plain") == "plain" for r in result["rows"]) else
           " + drs: 26000 samples kept by discriminator rejection sampling; + dot: 26000 "
           "samples refined by the critic (discriminator optimal transport)."))


def plot_images(members, path) -> None:
    if not members:
        return
    fig, axes = figure(len(members), 3.5)
    for ax, m in zip(axes, members):
        x = (np.clip(m["images"], -1, 1) + 1) / 2  # (64, 3, 28, 28)
        grid = x.reshape(8, 8, 3, 28, 28).transpose(0, 3, 1, 4, 2).reshape(8 * 28, 8 * 28, 3)
        ax.imshow(grid)
        ax.set_axis_off()
        ax.set_title(f"{m['method']} ({m['preset']}) seed {m['seed']}: {m['modes']} modes",
                     fontsize=8)
    save(fig, path)


def plot_curves(members, path) -> None:
    if not members:
        return
    fig, (a, b) = figure(2, 4.0)
    for m in members:
        t = [c["seconds"] or 0 for c in m["curve"]]
        lab = f"{m['method']} ({m['preset']}) s{m['seed']}"
        a.plot(t, [c["modes"] for c in m["curve"]], marker="o", label=lab)
        line, = b.plot(t, [c["kl"] for c in m["curve"]], marker="o", label=lab)
        digits = [(x, c["kl_digits"]) for x, c in zip(t, m["curve"])
                  if c.get("kl_digits") is not None]
        if digits:  # the channels' digit imbalance, dashed under the KL it is part of
            b.plot(*zip(*digits), linestyle="--", color=line.get_color(), label=f"{lab}: digits")
    a.set_xlabel("training seconds (one thread)")
    a.set_ylabel("modes covered (of 1000)")
    b.set_xlabel("training seconds (one thread)")
    b.set_ylabel("KL to uniform (dashed: the digits' part)")
    b.set_yscale("log")
    a.legend(fontsize=7)
    save(fig, path)
