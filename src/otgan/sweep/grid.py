"""The sweep's grid: ``--grid KEY=V1,V2``, ``--set KEY=VALUE``, and the members they expand to."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ..config import ALIASES, FIELDS, coerce, unknown_key_error
from ..errors import ConfigError


def _field_names(key: str, option: str) -> tuple[str, tuple[str, ...]]:
    """A --grid/--set key (``n-critic`` or ``n_critic``) and the config fields it stands for,
    or a ConfigError naming the key."""
    key = key.strip().replace("-", "_")
    fields = ALIASES.get(key, (key,))
    if fields[0] not in FIELDS:
        raise ConfigError(f"{option}: {unknown_key_error(key)}")
    return key, fields


def parse_grid(specs) -> dict[str, list]:
    """``["clip=0.001,0.01", "lr=1e-5,5e-5"]`` -> {"clip": [0.001, 0.01], "lr": [1e-05, 5e-05]}."""
    grid: dict[str, list] = {}
    for spec in specs:
        key, sep, values = spec.partition("=")
        if not sep or not values.strip():
            raise ConfigError(f"--grid {spec!r}: expected KEY=V1,V2,...")
        key, fields = _field_names(key, "--grid")
        if key == "seed":
            raise ConfigError("--grid seed: seeds are not a grid axis; use --seed (the first) "
                              "and --seeds (how many)")
        vals = [coerce(fields[0], v.strip()) for v in values.split(",") if v.strip()]
        if key in grid:
            raise ConfigError(f"--grid {key} given twice")
        grid[key] = vals
    return grid


def parse_sets(specs) -> dict[str, object]:
    """``["lr=1e-3", "n_critic=2"]`` -> {"lr_g": 0.001, "lr_d": 0.001, "n_critic": 2}: each value
    converted to its field's kind (``seed=3`` must add to the member's seed offset)."""
    fixed: dict[str, object] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep:
            raise ConfigError(f"--set {spec!r}: expected KEY=VALUE")
        for name in _field_names(key, "--set")[1]:  # lr sets lr_g and lr_d
            fixed[name] = coerce(name, value.strip())
    return fixed


@dataclass
class Member:
    index: int
    point: dict  # grid values of this member
    seed: int
    overrides: dict = field(default_factory=dict)


def expand(base: dict, grid: dict, seeds: int) -> list[Member]:
    keys = list(grid)
    members = []
    for values in itertools.product(*(grid[k] for k in keys)):
        point = dict(zip(keys, values))
        for s in range(seeds):
            o = dict(base)
            for k, v in point.items():
                for f in ALIASES.get(k, (k,)):
                    o[f] = v
            o["seed"] = base.get("seed", 0) + s
            members.append(Member(len(members), point, o["seed"], o))
    return members
