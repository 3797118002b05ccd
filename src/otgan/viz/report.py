"""Self-contained HTML pages: ``report.html`` of one run, and a side-by-side comparison.

Everything is read from run folders (config.json, metrics.jsonl, summary.json, eval.json,
snapshots/); images are embedded as base64, so a page opens offline, alone, anywhere.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from ..config import from_dict
from ..errors import OtganError
from ..fileio import atomic_write_bytes
from ..methods.specs import METHODS, method_spec
from ..metrics.specs import report_rows
from ..rundir import INTERPOLATION_PNG, RECONSTRUCTION_PNG, SAMPLES_PNG, RunDir
from . import style
from .plots import (animate, figure_png, plot_critic, plot_curves, plot_laguerre,
                    scatter_samples, split_history)
from .snapshots import image_grids, load_snapshots

REPORT = "report.html"
SUMMARY = "summary.json"
EVAL = "eval.json"

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.num{text-align:right;
font-variant-numeric:tabular-nums}img{max-width:100%}.row{display:flex;flex-wrap:wrap;gap:1em}
.note{color:#666;font-size:.85em}pre{background:#f7f7f7;padding:.8em;overflow:auto;font-size:.8em}
figure img{image-rendering:pixelated;min-width:240px}
"""

# (key, label, format) of the summary table, in order; missing keys are skipped.  The metrics'
# rows come from the metric registry and from the methods' own estimates.
HEAD = [("method", "method", "{}"), ("preset", "preset", "{}"), ("data", "data", "{}"),
        ("steps", "generator updates", "{}"), ("critic_steps", "critic updates", "{}"),
        ("train_time", "training time (s)", "{:.1f}")]
TAIL = [("eval_overhead_pct", "evaluation time / training time (%)", "{:.1f}"),
        ("device", "device", "{}"), ("seed", "seed", "{}")]


def summary_rows() -> list[tuple[str, str, str]]:
    metric = [(r.key, r.label, r.fmt) for r in report_rows()]
    estimates = list(dict.fromkeys(row for spec in METHODS.values() for row in spec.estimate_rows))
    return HEAD + metric + estimates + TAIL


def _img(png: bytes, alt: str, mime: str = "image/png") -> str:
    data = base64.b64encode(png).decode()
    return f'<img alt="{html.escape(alt)}" src="data:{mime};base64,{data}">'


def _fmt(value, fmt: str) -> str:
    if value is None:
        return "n/a"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return html.escape(str(value))


def run_summary(folder: RunDir, history: list[dict] | None = None) -> dict:
    """Flat dict of what a run's summary table shows (latest evaluation wins); ``history``:
    its metrics.jsonl records when the caller has read them already."""
    record = folder.read_config()
    cfg = record["config"]
    out = {"method": cfg["method"], "preset": cfg["preset"], "data": cfg["data"],
           "device": record.get("device"), "seed": cfg["seed"]}
    history = folder.read_metrics() if history is None else history
    train, evals = split_history(history)
    if train:
        out.update(steps=train[-1]["step"], critic_steps=train[-1].get("critic_steps"),
                   train_time=train[-1].get("time"))
    if evals:  # a run cut short has no summary.json: its last evaluation stands in
        out.update({k: v for k, v in evals[-1].items() if k not in ("step", "eval")})
    for path in (folder.file(SUMMARY), folder.file(EVAL)):  # later files are more complete
        if path.is_file():
            try:
                out.update(json.loads(path.read_text()))
            except json.JSONDecodeError:
                pass
    return out


def _table(columns: list[tuple[str, dict]]) -> str:
    head = "".join(f"<th>{html.escape(name)}</th>" for name, _ in columns)
    rows = []
    for key, label, fmt in summary_rows():
        if not any(key in s for _, s in columns):
            continue
        cells = "".join(f'<td class="num">{_fmt(s.get(key), fmt)}</td>' for _, s in columns)
        rows.append(f"<tr><th>{html.escape(label)}</th>{cells}</tr>")
    return f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"


def estimates(config: dict) -> tuple[str, tuple[float, str] | None]:
    """What the run's critic estimates ("W", "JS", ...), and that estimate's value on disjoint
    supports where it saturates (None: it does not), from its method's spec."""
    try:
        cfg = from_dict(config)
        spec = method_spec(cfg.method)
    except OtganError:  # a config from another otgan version: plot as a Wasserstein critic
        return "W", None
    return spec.estimate_label(cfg), spec.ceiling


def _critic_label(estimated: str) -> str:
    return "critic D(x)" if estimated.startswith("W") else "discriminator score"


def _final_figure(folder: RunDir, estimated: str, snaps: list[dict]) -> bytes | None:
    if snaps:
        fig, (a, b) = style.figure(2, size=4.6)
        real = _held_out(folder)
        s = snaps[-1]
        scatter_samples(a, real, s["fake"], f"samples, step {int(s['step'])}",
                        extent=tuple(s["extent"]))
        plot_critic(b, s, real, f"critic level sets and gradient, step {int(s['step'])}",
                    label=_critic_label(estimated))
        return figure_png(fig)
    if folder.file(SAMPLES_PNG).is_file():
        return folder.file(SAMPLES_PNG).read_bytes()
    return None


def _last_samples(folder: RunDir) -> bytes | None:
    """PNG of a run's last generated samples without a critic snapshot: the image grid of its
    last evaluation, else samples.png."""
    grids = image_grids(folder.path)
    if grids:
        return grids[-1][1].read_bytes()
    if folder.file(SAMPLES_PNG).is_file():
        return folder.file(SAMPLES_PNG).read_bytes()
    return None


def _targets(folder: RunDir):
    path = folder.path / "snapshots" / "targets.npy"
    if path.is_file():
        import numpy as np

        return np.load(path, allow_pickle=False)
    return None


def _held_out(folder: RunDir, n: int = 1000):
    path = folder.path / "snapshots" / "heldout.npy"
    if path.is_file():
        import numpy as np

        return np.load(path, allow_pickle=False)[:n]
    return None


def write_report(path) -> Path:
    """Write ``report.html`` into the run folder ``path``; returns its path."""
    folder = RunDir.open(path)
    record = folder.read_config()
    history = folder.read_metrics()
    summary = run_summary(folder, history)
    snaps = load_snapshots(folder.path)
    method = summary["method"]
    estimated, ceiling = estimates(record["config"])
    parts = [f"<h1>otgan run: {html.escape(method)} on {html.escape(str(summary['data']))}</h1>",
             f'<p class="note">{html.escape(str(folder.path))} &middot; created '
             f'{html.escape(str(record.get("created")))} &middot; otgan '
             f'{html.escape(str(record.get("versions", {}).get("otgan")))}, torch '
             f'{html.escape(str(record.get("versions", {}).get("torch")))}</p>',
             "<h2>Summary</h2>", _table([("this run", summary)])]
    final = _final_figure(folder, estimated, snaps)
    if final:
        heading = "Samples and critic" if snaps else "Samples (held-out data beside generated)"
        parts += [f"<h2>{heading}</h2>", _img(final, heading.lower())]
    if history:
        fig = plot_curves(history, ceiling=ceiling, floor=summary.get("w1_floor"))
        parts += ["<h2>Training curves</h2>", _img(figure_png(fig), "training curves")]
    targets = _targets(folder)
    if snaps and "cells" in snaps[-1] and targets is not None:
        s = snaps[-1]
        fig, (ax,) = style.figure(size=5.0)
        plot_laguerre(ax, s["cells"], tuple(s["extent"]), targets, s["fake"],
                      title=f"Laguerre cells of the averaged dual, step {int(s['step'])}")
        parts += ["<h2>Laguerre cells</h2>", _img(figure_png(fig), "Laguerre cells")]
    parts += _latent_section(folder)
    grids = image_grids(folder.path)
    if grids:  # image data: the fixed latent batch at a few evaluations
        shown = grids if len(grids) <= 6 else [grids[int(i * (len(grids) - 1) / 5)]
                                                  for i in range(6)]
        parts.append("<h2>Generated images over training (fixed latent codes)</h2>")
        parts += [f"<figure>{_img(p.read_bytes(), f'step {step}')}<figcaption>step {step}"
                  f"</figcaption></figure>" for step, p in shown]
    if len(snaps) > 1:
        gif = folder.path / "training.gif"
        if not gif.is_file():
            animate(snaps, _held_out(folder), gif, title=method,
                    label=_critic_label(estimated), targets=targets)
        parts += ["<h2>Over training</h2>", _img(gif.read_bytes(), "animation", "image/gif")]
    parts += ["<h2>Configuration</h2>",
              f"<pre>{html.escape(json.dumps(record.get('config'), indent=1))}</pre>"]
    page = _page(f"otgan: {method} on {summary['data']}", parts)
    out = folder.file(REPORT)
    atomic_write_bytes(out, page.encode())
    return out


def _latent_section(folder: RunDir) -> list[str]:
    """A run with an encoder: held-out x beside G(E(x)), and latent interpolations."""
    shown = [(name, caption) for name, caption in (
        (RECONSTRUCTION_PNG, "held-out x and G(E(x)): rows of x, each followed by its "
                             "reconstructions (2D: segments x -> G(E(x)), latent "
                             "interpolations between pairs)"),
        (INTERPOLATION_PNG, "latent interpolation between encoded held-out pairs a, b: "
                            "a, G((1 - t) E(a) + t E(b)) for t from 0 to 1, b"))
        if folder.file(name).is_file()]
    if not shown:
        return []
    return ["<h2>Latent space: reconstructions and interpolations</h2>"] + [
        f"<figure>{_img(folder.file(name).read_bytes(), name)}<figcaption>"
        f"{html.escape(caption)}</figcaption></figure>" for name, caption in shown]


def _page(title: str, parts: list[str]) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{CSS}</style></head><body>{''.join(parts)}</body></html>")


def write_compare(paths, out) -> Path:
    """One page putting runs side by side: a table (every metric the runs computed), aligned
    critic plots (2D runs), generated image grids (image runs), overlaid curves."""
    folders = [RunDir.open(p) for p in paths]
    names = _short_names([f.path for f in folders])
    histories = [f.read_metrics() for f in folders]
    summaries = [run_summary(f, h) for f, h in zip(folders, histories)]
    kinds = [estimates(f.read_config()["config"]) for f in folders]
    parts = [f"<h1>otgan: {len(folders)} runs compared</h1>", "<h2>Summary</h2>",
             _table(list(zip(names, summaries)))]
    snaps = [load_snapshots(f.path) for f in folders]
    critics = [(f, s, name, kind) for f, s, name, kind in zip(folders, snaps, names, kinds) if s]
    if critics:  # 2D runs: critic level sets over samples, one panel per run
        fig, axes = style.figure(len(critics), size=3.8)
        for ax, (f, s, name, kind) in zip(axes, critics):
            plot_critic(ax, s[-1], _held_out(f, 500), f"{name}: step {int(s[-1]['step'])}",
                        colorbar=False, label=_critic_label(kind[0]))
        parts += ["<h2>Critics and samples (last evaluation)</h2>",
                  _img(figure_png(fig), "critics")]
    shown = [(name, _last_samples(f)) for f, s, name in zip(folders, snaps, names) if not s]
    shown = [(name, png) for name, png in shown if png is not None]
    if shown:  # image runs (and runs without critic snapshots): their last generated samples
        parts += ["<h2>Generated samples (last evaluation)</h2>",
                  '<div class="row">' + "".join(
                      f"<figure>{_img(png, f'{name}: generated samples')}<figcaption>"
                      f"{html.escape(name)}</figcaption></figure>" for name, png in shown)
                  + "</div>"]
    fig, axes = style.figure(3, size=3.8)
    for history, name, kind in zip(histories, names, kinds):
        plot_curves(history, axes=axes, label=name, ceiling=kind[1])
    parts += ["<h2>Curves</h2>", _img(figure_png(fig), "curves")]
    page = _page("otgan comparison", parts)
    out = Path(out)
    atomic_write_bytes(out, page.encode())
    return out


def _short_names(paths: list[Path]) -> list[str]:
    names = [p.name for p in paths]
    if len(set(names)) == len(names):
        return names
    return [str(p) for p in paths]
