"""A standalone semi-discrete OT solver: from any sampler of mu to weighted points (Y, nu).

    result = solve(sample_mu, Y, cost="sqeuclidean", steps=2000, batch=64)
    result.cost             # H at the averaged psi, on fresh samples: W1, or W2^2 for sqeuclidean
    result.psi, result.masses, result.max_mass_error

The dual value H(psi) = E_mu[psi^c] + sum nu_j psi_j is a lower bound of the OT cost for every
psi (weak duality), so up to Monte-Carlo error the estimate never exceeds the exact cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

from ..runtime.progress import bar as progress_bar
from .asgd import AveragedSGD
from .critic import SemiDiscreteCritic
from .step import cost_scale, dual_preconditioner


@dataclass
class SemiDiscreteResult:
    psi: torch.Tensor  # averaged dual vector (J,)
    cost: float  # dual value at psi on ``n_eval`` fresh samples of mu
    masses: torch.Tensor  # estimated mu(L_j), (J,)
    max_mass_error: float  # max_j |mu(L_j) - nu_j|
    steps: int
    history: list[dict] = field(default_factory=list)


def solve(sample_mu: Callable[[int], torch.Tensor], targets: torch.Tensor,
          weights: torch.Tensor | None = None, *, cost: str = "sqeuclidean", steps: int = 2000,
          batch: int = 64, gamma: float = 1.0, scale: float | None = None, eps: float = 0.0,
          psi0: torch.Tensor | None = None, n_eval: int = 100_000, log_every: int = 0,
          progress: bool = False, solver: str = "otgan",
          pot_options: dict | None = None) -> SemiDiscreteResult:
    """Maximize H(psi) by averaged SGD; ``sample_mu(n)`` returns n points of mu, shape (n, d).

    The step of target j is ``gamma * scale / max(nu_j, 1 / batch)`` (``step.py``), ``scale``
    by default the targets' nearest-neighbour cost scale: for a fixed mu it balances even the
    clusters of a mixture faster than the multiscale step training uses (docs/semidiscrete.md);
    ``n_eval`` fresh samples give the final value and masses.

    ``solver="pot"``: POT's ``ot.semidiscrete.solve_semidiscrete`` instead (projected averaged
    SGD with a decreasing entropic schedule, Genans et al. 2025) for ``steps`` iterations of
    ``batch`` points, its other settings POT's defaults or ``pot_options`` (e.g. ``lr0``,
    ``decreasing_reg_initial_eps``); ``eps`` is its ``reg``; ``gamma``, ``scale``,
    ``log_every`` and ``progress`` do not apply.  Its potential g is psi (both read the cell of
    x as argmin_j c(x, y_j) - psi_j).  Measured on uniform problems (docs/semidiscrete.md,
    "otgan's solver against POT's solve_semidiscrete"): with ``pot_options`` ``lr0 = r s J``
    (r = min(1, sqrt(2 / d)), s = ``cost_scale``), ``lr_exponent=0.5``,
    ``decreasing_reg=False`` and batch 256 it reached a given mass error sooner at J = 100 and
    at J = 1000 in 2D; otgan's own was ahead at J = 1000 in d = 16 and 128, and per sample at
    J >= 10000."""
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    y = targets.reshape(targets.shape[0], -1)
    y = y if y.is_floating_point() else y.float()
    crit = SemiDiscreteCritic(y, weights, cost, eps).to(y.device)
    if psi0 is not None:
        with torch.no_grad():
            crit.psi.copy_(psi0)
    history = []
    if solver == "pot":
        with torch.no_grad():
            crit.psi_avg.copy_(_solve_pot(sample_mu, crit, steps, batch, psi0,
                                          pot_options or {}))
        return _finish(crit, sample_mu, n_eval, steps, history)
    scale = cost_scale(y, cost) if scale is None else scale
    opt = AveragedSGD([crit.psi], [crit.psi_avg], gamma,
                      [dual_preconditioner(crit.nu, scale, batch)])
    for k in progress_bar(range(1, steps + 1), enabled=progress, desc="averaged SGD on psi"):
        x = sample_mu(batch).to(y)
        opt.zero_grad(set_to_none=True)
        loss = -crit.dual(x)
        loss.backward()
        opt.step()
        if log_every and (k % log_every == 0 or k == steps):
            xe = sample_mu(min(n_eval, 20000)).to(y)
            masses = _masses(crit, xe)
            with torch.no_grad():
                history.append({"step": k, "cost": float(crit.dual(xe, averaged=True)),
                                "max_mass_error": float((masses - crit.nu).abs().max())})
    return _finish(crit, sample_mu, n_eval, steps, history)


#: the solvers of ``solve``: otgan's averaged SGD, or POT's ``solve_semidiscrete``
SOLVERS = ("otgan", "pot")
#: POT's keywords that ``solve`` sets from its own arguments
POT_SET_BY_SOLVE = {"X_target", "sampler_source", "a_target", "metric", "max_iter",
                    "batch_size", "init_potential", "log"}


def _finish(crit, sample_mu, n_eval, steps, history) -> SemiDiscreteResult:
    """The result at the averaged psi: value and masses on ``n_eval`` fresh points of mu."""
    xe = sample_mu(n_eval).to(crit.y)
    masses = _masses(crit, xe)
    with torch.no_grad():
        value = float(_chunked_dual(crit, xe))
    return SemiDiscreteResult(crit.psi_avg.detach().clone(), value, masses,
                              float((masses - crit.nu).abs().max()), steps, history)


def _solve_pot(sample_mu, crit: SemiDiscreteCritic, steps: int, batch: int, psi0,
               options: dict) -> torch.Tensor:
    """POT's averaged SGD on the same problem; its potential g (convention c(x, y_j) - g_j)."""
    from ot.semidiscrete import solve_semidiscrete

    y = crit.y
    bad = POT_SET_BY_SOLVE & set(options)
    if bad:
        raise ValueError(f"pot_options: {', '.join(sorted(bad))} are set by solve itself")
    options = {"reg": crit.eps, **options}
    return solve_semidiscrete(y, lambda b: sample_mu(b).to(y), a_target=crit.nu,
                              metric=crit.cost, max_iter=steps, batch_size=batch,
                              init_potential=None if psi0 is None else psi0.to(y),
                              **options)


def dual_on_sample(x: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor | None = None,
                   *, cost: str = "sqeuclidean") -> torch.Tensor:
    """psi: the targets' dual variables of the exact discrete OT between the points ``x``
    (weights 1/n) and the weighted targets (the network simplex, POT's ``emd``).  Any psi gives
    H(psi) <= W_c(mu, nu) on fresh points of mu (weak duality); this one is optimal for the
    sample, so with several points per target it is close to optimal for mu.  Memory: an
    (n, J) float64 cost matrix."""
    import numpy as np
    import ot

    xs = x.reshape(x.shape[0], -1).double().cpu().numpy()
    y = targets.reshape(targets.shape[0], -1).double().cpu().numpy()
    nu = (np.full(len(y), 1.0 / len(y)) if weights is None
          else weights.double().cpu().numpy() / float(weights.sum()))
    M = ot.dist(xs, y, metric="euclidean" if cost == "euclidean" else "sqeuclidean")
    _, log = ot.emd(np.full(len(xs), 1.0 / len(xs)), nu, M, numItermax=10**8, log=True)
    if log.get("warning"):
        raise RuntimeError(f"network simplex did not converge: {log['warning']}")
    v = torch.from_numpy(log["v"]).to(targets.device, torch.float32)
    return v - v[nu > 0].mean()  # psi is defined up to a constant


def primal_bound(x: torch.Tensor, targets: torch.Tensor, psi: torch.Tensor,
                 weights: torch.Tensor | None = None, *, cost: str = "sqeuclidean") -> float:
    """An upper bound of the OT cost between mu (the points ``x``, weights 1/n, fresh draws of
    mu) and the weighted targets, from any dual vector psi: the cost of a transport plan.  Each
    x goes to the target of its Laguerre cell (cost E c(x, T(x)) on the points), which carries
    mu to the cells' masses m; the exact OT between m and nu on the targets (the network
    simplex, a J x J problem) corrects the masses.  By the triangle inequality, W1 <= E|x -
    T(x)| + W1(m, nu), and for the squared cost W2^2 <= (sqrt(E|x - T(x)|^2) + W2(m, nu))^2.
    Beside the dual value (a lower bound), it brackets the cost: the two meet at the optimal
    psi.  It bounds the cost of the points' own measure (above mu's on average): the sampling
    noise of the masses m adds about sqrt(J / n) times the targets' spacing, so use many points
    (one cell assignment each: 10^7 points against 1000 targets in 2D take seconds)."""
    import ot

    xs = x.reshape(x.shape[0], -1)
    y = targets.reshape(targets.shape[0], -1).to(xs.dtype)
    nu = (torch.full((y.shape[0],), 1.0 / y.shape[0], dtype=torch.float64) if weights is None
          else weights.double().cpu() / float(weights.sum()))
    crit = SemiDiscreteCritic(y, nu, cost).to(xs.device)
    with torch.no_grad():
        crit.psi_avg.copy_(psi)
    cells = _cells(crit, xs)
    d2 = (xs.double() - y[cells].double()).pow(2).sum(1)
    m = torch.bincount(cells.cpu(), minlength=y.shape[0]).double() / xs.shape[0]
    yd = y.double().cpu().numpy()
    metric = "euclidean" if cost == "euclidean" else "sqeuclidean"
    fix = float(ot.emd2(m.numpy(), nu.numpy(), ot.dist(yd, yd, metric=metric),
                        numItermax=10**8))
    if cost == "euclidean":
        return float(d2.sqrt().mean()) + fix
    return (float(d2.mean()) ** 0.5 + max(fix, 0.0) ** 0.5) ** 2


def _cells(crit: SemiDiscreteCritic, x: torch.Tensor, chunk: int = 65536) -> torch.Tensor:
    """The Laguerre cell of each point at the averaged psi, a chunk of points at a time."""
    return torch.cat([crit.assign(x[i:i + chunk]) for i in range(0, x.shape[0], chunk)])


def _masses(crit: SemiDiscreteCritic, x: torch.Tensor, chunk: int = 65536) -> torch.Tensor:
    return torch.bincount(_cells(crit, x, chunk), minlength=crit.n_targets).float() / x.shape[0]


def _chunked_dual(crit: SemiDiscreteCritic, x: torch.Tensor, chunk: int = 65536) -> torch.Tensor:
    total = sum(float(crit.c_transform(x[i:i + chunk], averaged=True).sum())
                for i in range(0, x.shape[0], chunk))
    return torch.tensor(total / x.shape[0]) + (crit.nu * crit.psi_avg).sum().cpu()


def make_sampler(source: str, dim: int, seed: int = 0) -> Callable[[int], torch.Tensor]:
    """A sampler of mu by name: ``uniform`` ([0,1]^dim), ``gaussian`` (N(0, I_dim)),
    ``polygon:x1,y1;x2,y2;...`` (uniform on the polygon with these vertices, by rejection in its
    bounding box), ``package.module:function`` (a function of n returning (n, dim) points), a
    built-in toy dataset (fresh draws), or a .npy file of points (drawn with replacement: an
    empirical measure, not a continuous one)."""
    from ..data.specs import DATASETS
    from ..data.arrays import load_array_file
    from ..data.toy import TOY
    from ..errors import DataError

    g = torch.Generator().manual_seed(seed)
    if source == "uniform":
        return lambda n: torch.rand(n, dim, generator=g)
    if source == "gaussian":
        return lambda n: torch.randn(n, dim, generator=g)
    if source.startswith("polygon:"):
        return _polygon_sampler(source, dim, g)
    if source in TOY:
        if dim != 2:
            raise DataError(f"source {source} is 2-dimensional, the targets are {dim}-dimensional")
        draw, counter = TOY[source][0], iter(range(seed * 10**6, 10**12))
        return lambda n: draw(n, next(counter))
    if source.endswith(".npy"):
        x = torch.from_numpy(load_array_file(source)["all"])
        if x.shape[1] != dim:
            raise DataError(f"source {source} has dimension {x.shape[1]}, the targets {dim}")
        return lambda n: x[torch.randint(0, x.shape[0], (n,), generator=g)]
    if ":" in source and not source.startswith((".", "/")):
        return _python_sampler(source, dim, seed)
    raise DataError(f"source {source!r}: use uniform, gaussian, polygon:x1,y1;x2,y2;..., "
                    f"module:function, a .npy file or a built-in dataset ({', '.join(DATASETS)})")


def _polygon_sampler(source: str, dim: int, g: torch.Generator):
    from matplotlib.path import Path as Polygon

    from ..errors import DataError

    try:
        verts = [[float(v) for v in p.split(",")] for p in source[len("polygon:"):].split(";")]
    except ValueError:
        verts = []
    if len(verts) < 3 or any(len(v) != 2 for v in verts):
        raise DataError(f"source {source!r}: expected polygon:x1,y1;x2,y2;x3,y3[;...] (at "
                        f"least three 2D vertices)")
    if dim != 2:
        raise DataError(f"a polygon source is 2-dimensional, the targets are {dim}-dimensional")
    poly = Polygon(verts)
    v = torch.tensor(verts, dtype=torch.float64)
    lo, hi = v.min(0).values, v.max(0).values
    area = 0.5 * abs(float((v[:, 0] * v.roll(-1, 0)[:, 1] - v.roll(-1, 0)[:, 0] * v[:, 1]).sum()))
    if area <= 0:
        raise DataError(f"source {source!r}: the polygon has no area")
    accept = area / float((hi - lo).prod())

    def draw(n: int) -> torch.Tensor:
        out, have = [], 0
        while have < n:
            m = int((n - have) / accept * 1.2) + 16
            x = lo + (hi - lo) * torch.rand(m, 2, generator=g, dtype=torch.float64)
            x = x[torch.from_numpy(poly.contains_points(x.numpy()))]
            out.append(x)
            have += x.shape[0]
        return torch.cat(out)[:n].float()

    return draw


def _python_sampler(source: str, dim: int, seed: int):
    import importlib

    from ..errors import DataError

    module, _, name = source.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise DataError(f"source {source!r}: cannot import {name} from {module} "
                        f"({type(e).__name__})") from None
    torch.manual_seed(seed)  # a sampler that draws from torch's global stream is seeded

    def draw(n: int) -> torch.Tensor:
        x = torch.as_tensor(fn(n)).float()
        if x.shape != (n, dim):
            raise DataError(f"source {source}: returned shape {tuple(x.shape)} for n = {n}, "
                            f"expected ({n}, {dim})")
        return x

    return draw
