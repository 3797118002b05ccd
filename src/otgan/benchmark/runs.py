"""What the benchmarks share: the configurations (method and preset), the training budget, one
sweep of plain runs per data set and configuration, and the statistics over seeds."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ConfigError
from .configs import check_configs, parse_configs  # noqa: F401  (the benchmarks' face)
from ..sweep.runner import run_sweeps

#: the number of generator updates a run gets when its budget is in seconds (never reached)
UNBOUNDED = 10 ** 9


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
        if (self.steps is not None and self.steps < 1) or \
                (self.seconds is not None and self.seconds <= 0):
            raise ConfigError("benchmark: --steps must be >= 1 and --seconds > 0")

    def fields(self) -> tuple[int, dict]:
        """(steps for the sweep, config fields)."""
        return (self.steps or UNBOUNDED,
                {"time_limit": float(self.seconds)} if self.seconds else {})

    def label(self) -> str:
        parts = ([f"{self.steps} updates"] if self.steps else []) + \
            ([f"{self.seconds:g} s"] if self.seconds else [])
        return " or ".join(parts)


def train_sweeps(tasks, seeds: int, budget: Budget, workers: int, extra: dict,
                 progress: bool) -> list[dict]:
    """The seeds of each task ``(path, data, method, preset)``, one configuration on one data
    set, as an otgan sweep of plain runs in ``path`` (resumed where it was left); every task's
    runs in one pool of ``workers`` processes, so that configurations of fewer seeds than
    workers still run side by side."""
    steps, fields = budget.fields()
    return run_sweeps([dict(base={"data": data, "preset": preset, "threads": 1,
                                  "checkpoint_every": 1000, **fields, **extra},
                            grid={"method": [method]}, seeds=seeds, steps=steps, out=path,
                            batch=False)
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
