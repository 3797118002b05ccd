"""The sweep's outputs merged from whatever shards are done: table, heatmaps, samples, page.

``otgan sweep collect DIR`` (and the end of a local sweep) reads ``shards/*.json`` (each one
validated: a damaged one is said in one line and counted as missing), keeps the members in the
plan's order, and writes sweep.json, table.md, heatmaps.png, samples.png and sweep.html; the
shards still missing are listed in sweep.json and returned.  Each data family
shows its own metrics: exact W1 (and modes on the mixtures) for points, FID, KID, precision,
recall and classes covered for images; a row leaves the others blank.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..fileio import atomic_write_bytes, atomic_write_json
from ..viz.sweep import plot_heatmaps, plot_sample_grid, sweep_page
from .folder import OUTPUTS, SweepFolder

#: the table's metrics, in its column order (those no member has are left out)
METRICS = ("w1", "modes_covered", "high_quality_pct", "fid", "kid", "precision", "recall",
           "classes_covered")


def merge(plan: dict, results: list[dict], seconds: float | None = None,
          workers: int | None = None) -> dict:
    """The sweep's result from shard results: the members done, in the plan's order."""
    by_index = {r["index"]: r for res in results for r in res["records"]}
    members = [dict(point=m["point"], seed=m["seed"], data=m["config"]["data"],
                    **{k: v for k, v in by_index[m["index"]].items() if k != "index"})
               for m in plan["members"] if m["index"] in by_index]
    done = {res["shard"] for res in results}
    return {"grid": plan["grid"], "base": plan["base"], "steps": plan["steps"],
            "seeds": plan["seeds"], "runs": len(plan["members"]),
            "workers": workers if workers is not None else len(done),
            "seconds": seconds if seconds is not None else sum(r["seconds"] for r in results),
            "missing": [s["id"] for s in plan["shards"] if s["id"] not in done],
            "members": members}


def summarize(result: dict) -> list[dict]:
    """One row per grid point: mean and standard deviation over seeds of every metric."""
    rows: dict[tuple, dict] = {}
    for m in result["members"]:
        row = rows.setdefault(tuple(m["point"].items()), {"point": m["point"], "values": {},
                                                           "n": 0})
        row["n"] += 1
        for k in METRICS:
            if m.get(k) is not None:
                row["values"].setdefault(k, []).append(m[k])
    return [{"point": r["point"], "n": r["n"],
             "stats": {k: (float(np.mean(v)), float(np.std(v))) for k, v in r["values"].items()}}
            for r in rows.values()]


def format_table(table: list[dict]) -> str:
    if not table:
        return "(no run done yet)"
    keys = list(table[0]["point"])
    metrics = [k for k in METRICS if any(k in row["stats"] for row in table)]
    head = "| " + " | ".join(keys + [f"{m} (mean ± std)" for m in metrics] + ["seeds"]) + " |"
    lines = [head, "|" + "---|" * (len(keys) + len(metrics) + 1)]
    for row in table:
        cells = [f"{row['point'][k]:g}" if isinstance(row["point"][k], float)
                 else str(row["point"][k]) for k in keys]
        cells += [f"{row['stats'][m][0]:.4g} ± {row['stats'][m][1]:.2g}" if m in row["stats"]
                  else "" for m in metrics]
        lines.append("| " + " | ".join(cells + [str(row["n"])]) + " |")
    return "\n".join(lines)


def write_outputs(result: dict, out: Path) -> Path:
    """sweep.json, table.md, heatmaps.png, samples.png and sweep.html in ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table = summarize(result)
    slim = dict(result, members=[{k: v for k, v in m.items() if k != "samples"}
                                 for m in result["members"]])
    atomic_write_json(out / "sweep.json", dict(slim, table=table))
    text = format_table(table)
    atomic_write_bytes(out / "table.md", (text + "\n").encode())
    heat = plot_heatmaps(result["grid"], table, out / "heatmaps.png", METRICS)
    grid_png = plot_sample_grid(result, out / "samples.png")
    atomic_write_bytes(out / "sweep.html", sweep_page(result, text, heat, grid_png).encode())
    return out / "sweep.html"


def collect(path, seconds: float | None = None, workers: int | None = None) -> dict:
    """Merge the finished shards of the sweep in ``path`` and write its outputs there."""
    folder = SweepFolder.open(path)
    plan = folder.plan()
    found = folder.results()  # a damaged result is said and counted as missing
    results = [found[s] for s in sorted(found)]
    result = merge(plan, results, seconds, workers)
    if result["members"]:
        for name in OUTPUTS:
            folder.make_room(folder.path / name)
        write_outputs(result, folder.path)
    return result


def missing_line(result: dict) -> str:
    """What is left, in words."""
    if not result["missing"]:
        return f"all {result['runs']} runs done"
    ids = result["missing"]
    shown = ", ".join(map(str, ids[:20])) + (", ..." if len(ids) > 20 else "")
    return (f"{len(result['members'])} of {result['runs']} runs done; shards missing "
            f"({len(ids)}): {shown}")
