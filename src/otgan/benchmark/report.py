"""The benchmarks' outputs: benchmark.json (every run, the statistics over seeds, the published
rows), table.md (ours beside the published rows) and samples.png (one run per configuration)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..fileio import atomic_write_bytes, atomic_write_json
from ..viz.style import FAKE, REAL, figure, save
from .runs import mean_se

MIXTURE_VALUES = ("modes_covered", "high_quality_pct", "mode_kl", "spread", "w1")


def _label(rec) -> str:
    v = "" if rec["variant"] == "plain" else f" + {rec['variant']}"
    return f"{rec['method']} ({rec['preset']}){v}"


def mixture_rows(members: list[dict], sets) -> list[dict]:
    """One row per configuration and variant: per set, mean and standard error of each value
    over its seeds, the seed count and the mean number of updates trained."""
    rows: dict[str, dict] = {}
    for rec in members:
        row = rows.setdefault(_label(rec), {"label": _label(rec), "method": rec["method"],
                                            "preset": rec["preset"],
                                            "variant": rec["variant"], "sets": {}})
        row["sets"].setdefault(rec["data"], []).append(rec)
    out = []
    for row in rows.values():
        stats = {}
        for data in sets:
            recs = row["sets"].get(data, [])
            s = {k: mean_se(r[k] for r in recs) for k in MIXTURE_VALUES}
            s["seeds"] = len(recs)
            s["steps"] = mean_se(r["steps"] for r in recs)[0]
            s["modes_total"] = recs[0]["modes_total"] if recs else None
            stats[data] = s
        out.append({k: v for k, v in row.items() if k != "sets"} | {"stats": stats})
    return out


def _pm(ms, fmt: str) -> str:
    m, se = ms
    if m is None:
        return ""
    return fmt.format(m) + ("" if se is None else " ± " + fmt.format(se))


def mixtures_table(result: dict) -> str:
    sets = result["sets"]
    head = ["configuration"]
    for d in sets:
        head += [f"{d}: modes", f"{d}: high quality %", f"{d}: KL", f"{d}: spread",
                 f"{d}: W1", f"{d}: seeds"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in result["rows"]:
        cells = [row["label"]]
        for d in sets:
            s = row["stats"][d]
            cells += [_pm(s["modes_covered"], "{:.2f}"), _pm(s["high_quality_pct"], "{:.1f}"),
                      _pm(s["mode_kl"], "{:.3f}"), _pm(s["spread"], "{:.2f}"),
                      _pm(s["w1"], "{:.3f}"), str(s["seeds"])]
        lines.append("| " + " | ".join(cells) + " |")
    for p in result["published"]:
        cells = [f"{p['method']} (published: {p['table']})"]
        for d in sets:
            v = p.get(d) or {}
            cells += [f"{v['modes']:g}" if "modes" in v else "",
                      f"{v['high_quality_pct']:g}" if "high_quality_pct" in v else "", "", "", "",
                      ""]
        lines.append("| " + " | ".join(cells) + " |")
    note = (f"\nOurs: mean ± standard error over seeds, {result['samples']} samples per run, "
            f"budget {result['budget']} per run; spread: the high-quality samples' RMS "
            f"distance to their mode over the data's (1: the mixture's own, 0: on the "
            f"centres); W1: exact, the first 1000 samples to 1000 held-out points.  Published rows "
            f"as printed (mean of the papers' runs).")
    return "\n".join(lines) + "\n" + note


def plot_mixture_samples(result: dict, path: Path) -> None:
    """For each configuration and variant (rows) and set (columns): the first seed's samples
    over the mode centres."""
    from ..data.toy import TOY

    labels = [r["label"] for r in result["rows"]]
    sets = result["sets"]
    if not labels:
        return
    fig, axes = figure(len(sets), 3.2, len(labels))
    axes = np.asarray(axes).reshape(len(labels), len(sets))
    for i, label in enumerate(labels):
        for j, data in enumerate(sets):
            ax = axes[i, j]
            recs = sorted((m for m in result["members"] if _label(m) == label
                           and m["data"] == data), key=lambda m: m["seed"])
            centres = TOY[data][1]()
            ax.scatter(centres[:, 0], centres[:, 1], s=12, c=REAL, marker="x")
            if recs:
                x = recs[0]["points"]
                ax.scatter(x[:, 0], x[:, 1], s=1, c=FAKE, alpha=0.4)
                ax.set_title(f"{label}\n{data} seed {recs[0]['seed']}: "
                             f"{recs[0]['modes_covered']}/{recs[0]['modes_total']} modes, "
                             f"{recs[0]['high_quality_pct']:.1f}% HQ", fontsize=7)
            lim = 1.25 * np.abs(centres).max()
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            ax.set_aspect("equal")
            ax.tick_params(labelsize=6)
    save(fig, path)


def write_mixtures(result: dict, out: Path) -> None:
    """The rows computed into ``result``, and benchmark.json, table.md, samples.png in ``out``."""
    out = Path(out)
    result["rows"] = mixture_rows(result["members"], result["sets"])
    text = mixtures_table(result)
    result["table"] = text
    slim = dict(result, members=[{k: v for k, v in m.items() if k != "points"}
                                 for m in result["members"]])
    atomic_write_json(out / "benchmark.json", slim)
    atomic_write_bytes(out / "table.md", (text + "\n").encode())
    plot_mixture_samples(result, out / "samples.png")
