"""The whole suite of metrics, computed by name: every family module imported (each registers
its metrics), then the named ones run in order, each timed.

``compute`` returns the values, the derived values (each estimate's ratio to the exact value)
and ``metric_seconds`` {name: wall seconds}, so the cost of an evaluation is visible per metric.
"""

from __future__ import annotations

import time
from typing import Callable

from . import critic, images, latent, lipschitz, modes, ot, partition, stacked  # noqa: F401
from .registry import REGISTRY, EvalContext, derive
from .specs import METRICS, check_names

if set(REGISTRY) != set(METRICS):  # pragma: no cover - a spec or an implementation alone
    raise ImportError(f"metrics without both a spec and an implementation: "
                      f"{sorted(set(REGISTRY) ^ set(METRICS))}")


def compute(names, ctx: EvalContext, starting: Callable[[int, str], None] | None = None) -> dict:
    """Run the named metrics in order (each sees the earlier ones' values in ``ctx.cache``);
    returns their values, the derived values, and ``metric_seconds`` {name: wall seconds}.
    ``starting(i, name)`` is called before the i-th metric (a progress bar's hook)."""
    out: dict = {}
    seconds: dict[str, float] = {}
    for i, name in enumerate(check_names(names)):
        if starting is not None:
            starting(i, name)
        t0 = time.perf_counter()
        res = REGISTRY[name](ctx)
        seconds[name] = round(time.perf_counter() - t0, 4)
        ctx.cache.update(res)
        out.update(res)
    derived = derive(ctx)
    ctx.cache.update(derived)
    out.update(derived)
    if seconds:
        out["metric_seconds"] = seconds
    return out
