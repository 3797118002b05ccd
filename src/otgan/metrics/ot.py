"""Optimal-transport distances between point clouds: exact (POT's network simplex), sliced, energy.

One argument order everywhere, as in POT: samples (x, y), then their weights (a, b), then
keyword options.  Every function takes
torch tensors or numpy arrays of shape (n, ...) (flattened to (n, d)) and returns plain floats.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..data.arrays import as_points
from ..errors import OtganError
from .registry import register

# POT's network simplex stops at numItermax and only *warns* (result_code 3), returning a value
# that can be far from the optimum (above ~5000 points with the default 100000).  otgan passes
# the largest limit the C code accepts and raises if it is ever reached.
MAX_ITER = 2_000_000_000
_CODES = {0: "infeasible problem", 2: "unbounded problem", 3: "iteration limit reached"}


def _pot():
    """POT, imported on first use: it loads scikit-learn (about 1.5 s), which a command that
    computes no distance should not pay."""
    import ot

    return ot


class OTNotConverged(OtganError, RuntimeError):
    """The exact solver did not reach optimality; its value would be wrong."""


def _weights(w, n: int) -> np.ndarray:
    if w is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    if w.shape[0] != n or (w < 0).any() or not np.isclose(w.sum(), 1.0):
        raise ValueError(f"weights must be {n} non-negative numbers summing to 1")
    return w


# Below this dimension distances are computed from coordinate differences (exact zero for equal
# points); above it through ||x||^2 + ||y||^2 - 2 x.y, a matrix product, much faster for images.
_DIRECT_MAX_DIM = 64


def cost_matrix(xs: np.ndarray, ys: np.ndarray, p: int) -> np.ndarray:
    """||x - y||^p for p in {1, 2}, as a float64 (n, m) matrix."""
    if xs.shape[1] <= _DIRECT_MAX_DIM:
        from scipy.spatial.distance import cdist

        return cdist(xs, ys, "euclidean" if p == 1 else "sqeuclidean")
    ot = _pot()
    sq = np.maximum(ot.dist(xs, ys, metric="sqeuclidean"), 0.0)
    return np.sqrt(sq) if p == 1 else sq


def emd2(a, b, M: np.ndarray, num_iter_max: int = MAX_ITER) -> float:
    """Exact OT cost <P*, M> for histograms a, b and cost matrix M; raises unless optimal."""
    ot = _pot()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        cost, log = ot.emd2(a, b, M, numItermax=num_iter_max, log=True)
    code = int(log["result_code"])
    if code != 1:
        raise OTNotConverged(f"exact OT did not converge ({_CODES.get(code, code)}) on "
                             f"{M.shape[0]}x{M.shape[1]} points; its value would be wrong")
    return float(cost)


def wasserstein(x, y, a=None, b=None, *, p: int = 1) -> float:
    """Exact W_p between two weighted point clouds, by POT's network simplex.

    W_1 uses the Euclidean ground cost; W_2 is the square root of the optimal squared-Euclidean
    cost.  Memory is n*m float64 (2000 x 2000: 32 MB).  Raises ``OTNotConverged`` rather than
    return the biased value POT gives when its iteration limit is hit.

    Parameters
    ----------
    x, y : array_like
        Points, shapes (n, d) and (m, d) (tensors or arrays; images are flattened).
    a, b : array_like, optional
        Weights of the points of ``x`` and ``y`` [default: uniform].
    p : {1, 2}
        The order.

    Returns
    -------
    float
        W_p(x, y).
    """
    if p not in (1, 2):
        raise ValueError(f"p must be 1 or 2, got {p}")
    xs, ys = as_points(x), as_points(y)
    if xs.shape[1] != ys.shape[1]:
        raise ValueError(f"point dimensions differ: {xs.shape[1]} and {ys.shape[1]}")
    M = cost_matrix(xs, ys, p)
    cost = emd2(_weights(a, xs.shape[0]), _weights(b, ys.shape[0]), M)
    return cost if p == 1 else float(np.sqrt(max(cost, 0.0)))


def wasserstein1(x, y, a=None, b=None) -> float:
    """Exact W1 (Euclidean ground cost): ``wasserstein(x, y, a, b, p=1)``.

    Parameters
    ----------
    x, y : array_like
        Points, shapes (n, d) and (m, d).
    a, b : array_like, optional
        Weights of the points [default: uniform].

    Returns
    -------
    float
        W1(x, y).
    """
    return wasserstein(x, y, a, b, p=1)


def wasserstein2(x, y, a=None, b=None) -> float:
    """Exact W2: ``wasserstein(x, y, a, b, p=2)``.

    Parameters
    ----------
    x, y : array_like
        Points, shapes (n, d) and (m, d).
    a, b : array_like, optional
        Weights of the points [default: uniform].

    Returns
    -------
    float
        W2(x, y), the square root of the optimal squared-Euclidean cost.
    """
    return wasserstein(x, y, a, b, p=2)


def sliced_wasserstein(x, y, a=None, b=None, *, n_projections: int = 256, p: int = 2,
                       seed: int = 0) -> float:
    """Sliced W_p (POT), for large clouds or high dimension, with a fixed projection seed.

    Parameters
    ----------
    x, y : array_like
        Points, shapes (n, d) and (m, d).
    a, b : array_like, optional
        Weights of the points [default: uniform].
    n_projections : int
        Random directions averaged over.
    p : int
        The order.
    seed : int
        Seed of the directions.

    Returns
    -------
    float
        The sliced distance.
    """
    xs, ys = as_points(x), as_points(y)
    a = None if a is None else _weights(a, xs.shape[0])
    b = None if b is None else _weights(b, ys.shape[0])
    return float(_pot().sliced_wasserstein_distance(xs, ys, a, b, n_projections=n_projections, p=p,
                                                seed=seed))


def energy_distance(x, y) -> float:
    """Energy distance ``2 E|X-Y| - E|X-X'| - E|Y-Y'|`` (V-statistic; 0 iff same empirical law).

    Parameters
    ----------
    x, y : array_like
        Points, shapes (n, d) and (m, d).

    Returns
    -------
    float
        The energy distance.
    """
    xs, ys = as_points(x), as_points(y)
    dxy = cost_matrix(xs, ys, 1).mean()
    dxx = cost_matrix(xs, xs, 1).mean()
    dyy = cost_matrix(ys, ys, 1).mean()
    return float(2 * dxy - dxx - dyy)


# ----------------------------------------------------------------------------- registered
@register("w1")
def _w1(ctx) -> dict:
    return {"w1": wasserstein1(ctx.fake, ctx.real)}


@register("w2")
def _w2(ctx) -> dict:
    return {"w2": wasserstein2(ctx.fake, ctx.real)}


@register("sliced")
def _sliced(ctx) -> dict:
    return {"sliced_w2": sliced_wasserstein(ctx.fake, ctx.real, n_projections=256, p=2)}


@register("energy")
def _energy(ctx) -> dict:
    return {"energy": energy_distance(ctx.fake, ctx.real)}
