"""``otgan solve``'s work: semi-discrete OT from a continuous measure mu (by name) to weighted
points nu (a file or a built-in data set), by averaged SGD on the dual; its folder
(solution.json, solution.npz, laguerre.png in 2D)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..data.arrays import load_array_file, load_weights
from ..data.dataset import load_dataset
from ..data.specs import missing_data
from ..errors import ConfigError
from ..fileio import atomic_write_bytes, atomic_write_json
from ..runtime.memory import require_memory
from ..semidiscrete import solve as sd_solve
from ..semidiscrete.solver import SemiDiscreteResult, make_sampler

FILES = ("solution.json", "solution.npz", "laguerre.png")


@dataclass
class Problem:
    """mu (a sampler), nu (points and weights) and the source and target names."""
    source: str
    targets_name: str
    sampler: object  # n -> (n, d) points of mu
    targets: torch.Tensor  # (J, d) float64
    weights: torch.Tensor | None  # (J,) float64 or None: uniform


@dataclass
class Solution:
    summary: dict  # what solution.json holds
    result: SemiDiscreteResult
    problem: Problem

    @property
    def weights(self) -> torch.Tensor:
        w, j = self.problem.weights, self.problem.targets.shape[0]
        return torch.full((j,), 1.0 / j, dtype=torch.float64) if w is None else w


def load_targets(spec: str, n_targets: int, seed: int) -> torch.Tensor:
    """nu's points: a .npy file (J x d) or ``n_targets`` points of a built-in data set."""
    if spec.endswith(".npy"):
        return torch.from_numpy(load_array_file(spec)["all"]).double()
    if missing_data(spec):
        raise ConfigError(f"--targets: {missing_data(spec)}")
    require_memory(8 * n_targets * (65536 + 16), f"--n-targets {n_targets}")
    return load_dataset(spec, n_train=n_targets, n_test=1, data_seed=seed).train.double()


def make_problem(source: str, targets: str, *, n_targets: int = 50, weights: str | None = None,
                 batch: int = 64, n_eval: int = 1_000_000, seed: int = 0) -> Problem:
    """Load nu and name mu; refuse what would not fit in memory (before any work)."""
    y = load_targets(targets, n_targets, seed)
    w = torch.from_numpy(load_weights(weights, y.shape[0])) if weights else None
    d = y.shape[1]  # float64: a batch's costs to every target, the evaluation sample's points
    require_memory(8 * batch * (y.shape[0] + d + 4), f"--batch {batch}")
    require_memory(8 * n_eval * (d + 4), f"--n-eval {n_eval}")
    return Problem(source, targets, make_sampler(source, d, seed), y, w)


def solve_problem(p: Problem, *, cost: str = "sqeuclidean", steps: int = 5000, batch: int = 64,
                  gamma: float = 1.0, scale: float | None = None, eps: float = 0.0,
                  n_eval: int = 1_000_000, seed: int = 0, progress: bool = False,
                  solver: str = "otgan", pot_options: dict | None = None) -> Solution:
    res = sd_solve(lambda n: p.sampler(n).double(), p.targets, p.weights, cost=cost,
                   steps=steps, batch=batch, gamma=gamma, scale=scale, eps=eps, n_eval=n_eval,
                   log_every=0 if solver == "pot" else max(1, steps // 10), progress=progress,
                   solver=solver, pot_options=pot_options)
    summary = {"source": p.source, "targets": p.targets_name, "J": int(p.targets.shape[0]),
               "cost": cost, "value": res.cost,
               "meaning": "W1" if cost == "euclidean" else "W2^2",
               "max_mass_error": res.max_mass_error, "steps": steps, "batch": batch,
               "eps": eps, "n_eval": n_eval, "seed": seed, "solver": solver,
               **({"pot_options": pot_options} if pot_options else {}),
               "history": res.history}
    return Solution(summary, res, p)


def write_folder(sol: Solution, folder: Path) -> list[str]:
    """Write the solution's files into ``folder`` (created); the names written."""
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / "solution.json", sol.summary)
    buf = io.BytesIO()
    np.savez(buf, psi=sol.result.psi.numpy(), masses=sol.result.masses.numpy(),
             targets=sol.problem.targets.numpy(), weights=sol.weights.numpy())
    atomic_write_bytes(folder / "solution.npz", buf.getvalue())
    written = ["solution.json", "solution.npz"]
    y = sol.problem.targets
    if y.shape[1] == 2:
        from ..viz.laguerre import laguerre_png

        s = sol.summary
        png = laguerre_png(y, sol.result.psi, s["cost"], sol.problem.sampler(4000).double(),
                           weights=sol.weights.numpy(),
                           title=f"Laguerre cells, {s['cost']}, value {s['value']:.4g}")
        atomic_write_bytes(folder / "laguerre.png", png)
        written.append("laguerre.png")
    return written
