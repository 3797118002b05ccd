"""A sweep's plan: its members (each a resolved config) and the shards that train them.

A shard is what one worker process or one SLURM array task trains: an ``ensemble`` (members
that share their program, trained batched) or a ``run`` (one member trained as a plain run,
where the method, the data or the device cannot be batched: sd-wgan, images, a GPU).  The plan
is JSON, written once into the sweep folder; every shard reads its members' configs from it,
so an array task needs nothing but the folder and its shard's number.
"""

from __future__ import annotations

import json

from ..config import FIELDS, resolve
from ..errors import ConfigError
from ..fields import MAX_SEEDS
from ..methods.registry import get_method_class
from ..training.datasets import dataset_for
from ..training.evaluation import check_metrics
from ..training.inputs import identify
from .ensemble import BATCHABLE
from .folder import PLAN_FORMAT as FORMAT
from .grid import expand

#: members per batched shard on a cluster, where --shard-size is not given (the ensemble's
#: time per member-update is flat from 8 members on: docs/sweeps.md)
CLUSTER_SHARD = 16


def batchable(cfg, dataset) -> bool:
    """Whether a member can train in a batched ensemble (else it trains as a plain run)."""
    return (get_method_class(cfg.method).batchable and dataset.train.dim() == 2
            and cfg.arch in ("auto", "mlp") and cfg.device in ("auto", "cpu")
            and cfg.precision == "fp32" and not cfg.data_weights)


def _program(cfg) -> tuple:
    """What must be equal within an ensemble: every field that is not a ``BATCHABLE`` number."""
    return tuple(sorted((k, str(v)) for k, v in cfg.to_dict().items() if k not in BATCHABLE))


def _data_key(cfg) -> tuple:
    return tuple(str(getattr(cfg, k)) for k, f in FIELDS.items()
                 if f.group == "data")


def make_plan(base: dict, grid: dict, seeds: int, steps: int, eval_n: int | None = None,
              config_file=None, shard_size: int | None = None, workers: int = 1,
              batch: bool = True) -> dict:
    """Every member validated and resolved, grouped into shards.  Ensembles are split into
    shards of at most ``shard_size`` members, or else evenly over ``workers``.  ``batch``
    False: every member trains as a plain run (its own folder, its ``time_limit`` kept)."""
    if seeds < 1 or steps < 1 or workers < 1:
        raise ConfigError("--seeds, --steps and --workers must be >= 1")
    if seeds > MAX_SEEDS:  # (every member is planned at once)
        raise ConfigError(f"--seeds must be between 1 and {MAX_SEEDS}, got {seeds}")
    if shard_size is not None and shard_size < 1:
        raise ConfigError("--shard-size must be >= 1")
    fixed = dict(steps=steps, eval_every=base.get("eval_every", 0), tensorboard=False)
    if eval_n is not None:
        fixed["eval_n"] = eval_n
    members = expand(base, grid, seeds)
    # every member is validated before any training (a bad value fails fast, named)
    cfgs = [resolve(dict(m.overrides, **fixed), config_file) for m in members]
    datasets: dict[tuple, object] = {}
    groups: dict[tuple, list[int]] = {}
    runs = []
    inputs: dict[str, dict] = {}
    for i, cfg in enumerate(cfgs):
        key = _data_key(cfg)
        if key not in datasets:
            datasets[key] = dataset_for(cfg)
            inputs.update(_inputs(cfg, config_file))
        check_metrics(cfg, datasets[key])  # as the member's own run would, before any trains
        if batch and batchable(cfg, datasets[key]):
            groups.setdefault(_program(cfg), []).append(i)
        else:
            runs.append(i)
    shards = []
    for idx in groups.values():
        n = -(-len(idx) // shard_size) if shard_size else min(workers, len(idx))
        shards += [{"kind": "ensemble", "members": idx[s::n]} for s in range(n)]
    shards += [{"kind": "run", "members": [i]} for i in runs]
    for s, shard in enumerate(shards):
        shard["id"] = s
    plan = {"format": FORMAT, "base": base, "grid": grid, "seeds": seeds, "steps": steps,
            "members": [{"index": m.index, "point": m.point, "seed": m.seed,
                         "config": cfg.to_dict()} for m, cfg in zip(members, cfgs)],
            "shards": shards, "inputs": inputs}
    return json.loads(json.dumps(plan))  # as it reads back from plan.json


def _inputs(cfg, config_file) -> dict[str, dict]:
    """The identity of the files and built-in data sets a member reads, by name: a re-run of
    the sweep whose files changed is refused (``folder.differs``)."""
    out = {}
    for key, identity in identify(cfg, config_file).items():
        if "path" in identity:
            out[identity["path"]] = {k: v for k, v in identity.items() if k != "path"}
        else:
            out[f"the built-in data set {identity['name']}"] = {
                "data_version": identity["data_version"]}
    return out


def describe(plan: dict) -> str:
    """``--dry-run``: one line per shard (kind, size, the members' grid points and seeds)."""
    lines = [f"{len(plan['members'])} runs of {plan['steps']} steps in "
             f"{len(plan['shards'])} shards"]
    for shard in plan["shards"]:
        ms = [plan["members"][i] for i in shard["members"]]
        what = ("batched ensemble" if shard["kind"] == "ensemble" else "plain run")
        cfg = ms[0]["config"]
        who = "; ".join(" ".join(f"{k}={v}" for k, v in m["point"].items()) + f" seed={m['seed']}"
                        for m in ms)
        lines.append(f"shard {shard['id']}: {what} of {len(ms)} ({cfg['method']} on "
                     f"{cfg['data']}): {who}")
    return "\n".join(lines)
