"""User data from .npy, .npz or .csv files: points (N, d), or images (N, H, W) / (N, C, H, W)
(.npy/.npz only; pixels scaled to [-1, 1])."""

from __future__ import annotations

import math
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..runtime.memory import require_memory

SUFFIXES = (".npy", ".npz", ".csv")


#: beyond this, squared distances (costs, penalties) leave float32's range (about 3e38)
MAX_MAGNITUDE = 1e15


def _check(x: np.ndarray, where: str, min_points: int = 2) -> np.ndarray:
    if not isinstance(x, np.ndarray):  # an npz member that is not an .npy array
        raise DataError(f"{where}: not a numpy array (an .npz holds .npy arrays)")
    if x.dtype == object or x.dtype.kind in "mM" or not np.issubdtype(x.dtype, np.number):
        raise DataError(f"{where}: expected numbers, got dtype {x.dtype}")
    if np.iscomplexobj(x):
        raise DataError(f"{where}: complex numbers; otgan trains on real data (split the real "
                        f"and imaginary parts into coordinates)")
    if x.ndim in (3, 4):
        return _images(x, where)
    if x.ndim != 2:
        raise DataError(f"{where}: expected an array of shape (N, d), or images (N, H, W) or "
                        f"(N, C, H, W), got shape {x.shape}")
    if x.shape[0] < min_points or x.shape[1] < 1:
        raise DataError(f"{where}: expected at least {min_points} point"
                        f"{'s' if min_points > 1 else ''} of dimension >= 1, got shape "
                        f"{x.shape}")
    bad = ~np.isfinite(x)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise DataError(f"{where}: contains NaN or Inf (first at row {row})")
    big = float(np.abs(x).max())
    if big > MAX_MAGNITUDE:
        raise DataError(f"{where}: values up to {big:.3g}; otgan trains in float32 on data of "
                        f"magnitude at most {MAX_MAGNITUDE:.0e}: rescale the data first")
    return x.astype(np.float32)


def _images(x: np.ndarray, where: str) -> np.ndarray:
    from .images import to_unit_range

    if x.ndim == 3:
        x = x[:, None]
    elif x.shape[1] not in (1, 3, 4) and x.shape[-1] in (1, 3, 4):
        x = x.transpose(0, 3, 1, 2)  # channels last
    if x.shape[0] < 2 or x.shape[1] not in (1, 3, 4) or min(x.shape[2:]) < 4:
        raise DataError(f"{where}: images must be (N >= 2, C in 1/3/4, H >= 4, W >= 4), got "
                        f"shape {x.shape}")
    if not np.isfinite(x).all():
        raise DataError(f"{where}: contains NaN or Inf")
    return np.ascontiguousarray(to_unit_range(x, where))


def _read_csv(p: Path) -> np.ndarray:
    lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
    rows = [ln for ln in lines if ln.strip()]
    if not rows:
        raise DataError(f"{p}: file is empty")
    first = rows[0].split(",")
    try:
        [float(v) for v in first]
        skip = 0
    except ValueError:
        skip = 1  # a header row
    out = []
    for i, ln in enumerate(rows[skip:], start=skip + 1):
        try:
            out.append([float(v) for v in ln.split(",")])
        except ValueError:
            raise DataError(f"{p}: non-numeric value on line {i}: {ln[:60]!r}") from None
    if not out:
        raise DataError(f"{p}: no data rows")
    widths = {len(r) for r in out}
    if len(widths) != 1:
        raise DataError(f"{p}: rows have different numbers of columns {sorted(widths)}")
    return np.asarray(out, dtype=np.float64)


def load_array_file(path: str | Path, min_points: int = 2) -> dict[str, np.ndarray]:
    """Load a user file; returns {"all": X} or {"train": X, "test": Y} (npz with both keys)."""
    p = Path(path)
    if not p.exists():
        if p.is_symlink():
            raise DataError(f"{p}: a symbolic link to nothing (a missing file or a loop of links)")
        raise DataError(f"data file not found: {p}")
    if p.suffix.lower() not in SUFFIXES:
        raise DataError(f"{p}: unsupported data file type {p.suffix!r} (use .npy, .npz or .csv)")
    if p.stat().st_size == 0:
        raise DataError(f"{p}: file is empty")
    try:
        if p.suffix.lower() == ".csv":
            return {"all": _check(_read_csv(p), str(p), min_points)}
        if p.suffix.lower() == ".npy":
            _check_npy_size(p)
        with open(p, "rb") as f:  # ours to close, whatever numpy raises
            loaded = np.load(f, allow_pickle=False)
            if isinstance(loaded, np.ndarray):
                return {"all": _check(loaded, str(p), min_points)}
            with loaded:
                return _npz_arrays(loaded, p, min_points)
    except DataError:
        raise
    except MemoryError:  # an npz member larger than memory (compressed, so not checked before)
        raise DataError(f"{p}: its arrays do not fit in this machine's memory") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        if "pickle" in str(e):  # numpy's advice would be to load it unsafely
            raise DataError(f"{p}: not a numeric {p.suffix[1:]} array: corrupt, another kind of "
                            f"file, or pickled Python objects, which otgan never loads (they "
                            f"can run code)") from None
        raise DataError(f"{p}: cannot read as {p.suffix[1:]}: {e}") from None


def _check_npy_size(p: Path) -> None:
    """Refuse, before numpy allocates it, an .npy whose header declares more data than the file
    holds (truncated, or crafted) or than memory holds."""
    with open(p, "rb") as f:
        if f.read(6) != b"\x93NUMPY":
            return  # not an .npy: np.load takes it for a pickle, which is refused
        f.seek(0)
        version = np.lib.format.read_magic(f)
        if version not in ((1, 0), (2, 0)):
            return  # numpy reads (or refuses) the rest
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) \
            else np.lib.format.read_array_header_2_0
        shape, _, dtype = read(f)
        held = p.stat().st_size - f.tell()
    if dtype.hasobject:
        return  # refused by np.load as pickled objects
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > held:
        raise DataError(f"{p}: truncated or corrupt: its header declares shape {shape} of "
                        f"{dtype} ({nbytes:,} bytes), the file holds {held:,}")
    require_memory(nbytes * 2, f"{p}")  # the array and its float32 copy


def _npz_arrays(loaded, p: Path, min_points: int) -> dict[str, np.ndarray]:
    keys = list(loaded.keys())
    if "train" in keys and "test" in keys:
        out = {k: _check(loaded[k], f"{p}[{k}]") for k in ("train", "test")}
        if out["train"].shape[1:] != out["test"].shape[1:]:
            raise DataError(f"{p}: train and test have different shapes "
                            f"{out['train'].shape[1:]} and {out['test'].shape[1:]}")
        return out
    if len(keys) == 1:
        return {"all": _check(loaded[keys[0]], f"{p}[{keys[0]}]", min_points)}
    raise DataError(f"{p}: npz holds arrays {keys}; expected one array, or 'train' and 'test'")


def split(x: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random train/held-out split, reproducible from ``seed``."""
    n = x.shape[0]
    n_test = min(max(1, int(round(n * test_fraction))), n - 1)
    perm = np.random.default_rng(seed).permutation(n)
    return x[perm[n_test:]], x[perm[:n_test]]


def check_weights(w, n: int, where: str) -> np.ndarray:
    """``n`` non-negative finite weights with a positive sum, normalized to sum 1 (float64).
    Only their ratios matter: they are scaled by their largest first, so weights near the top of
    float64's range (1e308) sum without overflowing."""
    if np.iscomplexobj(w):
        raise DataError(f"{where}: complex numbers; weights are real and non-negative")
    try:
        w = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{where}: expected numbers") from None
    if w.size == n:
        w = w.reshape(-1)  # a column or a row
    if w.shape != (n,):
        raise DataError(f"{where}: expected {n} weights (one per data point), got shape "
                        f"{tuple(np.shape(w))}")
    if not np.isfinite(w).all() or (w < 0).any() or not (w > 0).any():
        raise DataError(f"{where}: weights must be finite, non-negative and not all zero")
    w = w / w.max()
    return w / w.sum()


def load_weights(path: str | Path, n: int) -> np.ndarray:
    """A .npy or .csv file of ``n`` weights (a column, a row or a flat array)."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"data weights file not found: {p}")
    if p.stat().st_size == 0:
        raise DataError(f"{p}: file is empty")
    try:
        with warnings.catch_warnings():  # numpy's remarks (no data in a CSV): said below
            warnings.simplefilter("ignore")
            w = (np.loadtxt(p, delimiter=",", ndmin=1) if p.suffix.lower() == ".csv"
                 else np.load(p, allow_pickle=False))
    except (ValueError, OSError, EOFError) as e:
        raise DataError(f"{p}: cannot read weights: {str(e).splitlines()[0]}") from None
    if not isinstance(w, np.ndarray) or not np.issubdtype(w.dtype, np.number):
        raise DataError(f"{p}: expected an array of numbers")
    if w.size == 0:
        raise DataError(f"{p}: holds no weights")
    return check_weights(w, n, str(p))


def as_points(x) -> np.ndarray:
    """(n, ...) tensor or array -> contiguous float64 array of shape (n, d)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    return np.ascontiguousarray(x.reshape(x.shape[0], -1))
