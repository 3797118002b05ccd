"""What the benchmarks share: the configurations (method and preset), the training budget, one
sweep of plain runs per data set and configuration, and the statistics over seeds."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import MAX_STEPS, resolve
from ..errors import ConfigError
from ..fields import MAX_SEEDS
from .configs import check_configs, parse_configs  # noqa: F401  (the benchmarks' face)
from ..sweep.runner import run_sweeps

#: the number of generator updates a run gets when its budget is in seconds (never reached)
UNBOUNDED = 10 ** 9
#: a budget in seconds beyond this (116 days per run) is no budget
MAX_SECONDS = 1e7


@dataclass(frozen=True)
class Budget:
    """A run's training budget: ``steps`` generator updates, or ``seconds`` of training (the
    runs' ``time_limit``, one torch thread each), whichever comes first when both are given."""

    steps: int | None = None
    seconds: float | None = None

    def __post_init__(self):
        if not self.steps and not self.seconds:
            raise ConfigError("benchmark: give a budget in updates (--steps) or seconds "
                              "(--seconds)")
        steps_ok = self.steps is None or (isinstance(self.steps, int)
                                          and 1 <= self.steps <= MAX_STEPS)
        seconds_ok = self.seconds is None or (isinstance(self.seconds, (int, float))
                                              and math.isfinite(self.seconds)
                                              and 0 < self.seconds <= MAX_SECONDS)
        if not (steps_ok and seconds_ok):
            raise ConfigError(f"benchmark: --steps must be between 1 and {MAX_STEPS} and "
                              f"--seconds a finite number > 0 and <= {MAX_SECONDS:g} (got "
                              f"{self.steps} and {self.seconds})")

    def fields(self) -> tuple[int, dict]:
        """(steps for the sweep, config fields)."""
        return (self.steps or UNBOUNDED,
                {"time_limit": float(self.seconds)} if self.seconds else {})

    def label(self) -> str:
        parts = ([f"{self.steps} updates"] if self.steps else []) + \
            ([f"{self.seconds:g} s"] if self.seconds else [])
        return " or ".join(parts)


def _base(data: str, preset: str, budget: Budget, extra: dict) -> dict:
    """The config fields every run of one configuration on ``data`` takes (the sweep's base)."""
    return {"data": data, "preset": preset, "threads": 1, "checkpoint_every": 1000,
            **budget.fields()[1], **extra}


def check_request(configs, sets, seeds: int, budget: Budget, workers: int,
                  extra: dict) -> None:
    """Everything a benchmark is asked checked before anything is created or trained: the
    seeds and workers, and every configuration resolved on every set as its runs will be."""
    for name, value, hi in (("--seeds", seeds, MAX_SEEDS), ("--workers", workers, 1024)):
        if not (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= hi):
            raise ConfigError(f"benchmark: {name} must be between 1 and {hi}, got {value}")
    steps = budget.fields()[0]
    for data in sets:
        for method, preset in configs:
            resolve({**_base(data, preset, budget, extra), "method": method, "steps": steps})


def train_sweeps(tasks, seeds: int, budget: Budget, workers: int, extra: dict,
                 progress: bool) -> list[dict]:
    """The seeds of each task ``(path, data, method, preset)``, one configuration on one data
    set, as an otgan sweep of plain runs in ``path`` (resumed where it was left); every task's
    runs in one pool of ``workers`` processes, so that configurations of fewer seeds than
    workers still run side by side."""
    steps = budget.fields()[0]
    return run_sweeps([dict(base=_base(data, preset, budget, extra),
                            grid={"method": [method]}, seeds=seeds, steps=steps, out=path,
                            batch=False, read_runs=True)
                       for path, data, method, preset in tasks], workers, progress)


def mean_se(values) -> tuple[float | None, float | None]:
    """Mean and standard error (sample standard deviation / sqrt(n); None for one value)."""
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return None, None
    m = sum(vals) / len(vals)
    if len(vals) < 2:
        return m, None
    var = sum((v - m) ** 2 for v in vals) / (len(vals) - 1)
    return m, math.sqrt(var / len(vals))
