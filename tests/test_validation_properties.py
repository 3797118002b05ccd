"""Property-based checks: any config or data file either loads or raises a one-line user error."""

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otgan.config import FIELDS, TrainConfig, resolve
from otgan.data import load_dataset
from otgan.errors import ConfigError, DataError

KEYS = st.one_of(st.sampled_from(sorted(FIELDS)), st.text(min_size=1, max_size=12))
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                   st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                   st.lists(st.integers(-5, 300), max_size=4))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=5))
def test_any_config_mapping_resolves_or_raises_config_error(values):
    try:
        cfg = resolve(values)
    except ConfigError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert isinstance(cfg, TrainConfig)
    assert cfg.lr_g > 0 and cfg.lr_d > 0 and cfg.n_critic >= 1 and cfg.batch_size >= 1
    assert cfg.steps >= 1 and cfg.clip > 0 and 0 <= cfg.ema < 1
    assert all(math.isfinite(getattr(cfg, k)) for k in ("lr_g", "lr_d", "clip", "gp_lambda"))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(k for k, f in FIELDS.items() if f.kind in
                              ("int", "float"))),
       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-100, 100),
                 st.text(max_size=6)))
def test_numeric_fields_from_cli_strings(key, value):
    try:
        cfg = resolve({key: str(value)})
    except ConfigError as e:
        assert key in str(e) or "does not apply" in str(e)
        return
    assert math.isfinite(float(getattr(cfg, key)))


ARRAYS = st.one_of(
    st.integers(0, 3).flatmap(lambda nd: st.lists(st.integers(0, 6), min_size=nd, max_size=nd)
                              ).flatmap(lambda shape: st.builds(
                                  lambda fill, nan: _array(shape, fill, nan),
                                  st.floats(-1e3, 1e3), st.booleans())),
)


def _array(shape, fill, nan):
    x = np.full(shape, fill, dtype=np.float64)
    if nan and x.size:
        x.flat[x.size // 2] = np.nan
    return x


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ARRAYS, st.sampled_from([".npy", ".csv", ".npz"]))
def test_any_data_file_loads_or_raises_data_error(tmp_path, x, suffix):
    p = tmp_path / f"data{suffix}"
    if suffix == ".npy":
        np.save(p, x)
    elif suffix == ".npz":
        np.savez(p, x=x)
    else:
        if x.ndim != 2:
            p.write_text(",".join(map(str, x.ravel())))
        else:
            np.savetxt(p, x, delimiter=",")
    try:
        ds = load_dataset(str(p), test_fraction=0.3)
    except DataError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert ds.train.dim() in (2, 4) and ds.train.shape[0] >= 1 and ds.test.shape[0] >= 1
    assert ds.train.shape[1:] == ds.test.shape[1:]
    if ds.train.dim() == 4:  # (N, H, W) or (N, C, H, W) arrays are images, scaled to [-1, 1]
        assert float(ds.train.abs().max()) <= 1.0
    assert np.isfinite(ds.train.numpy()).all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200), st.sampled_from([".npy", ".npz", ".csv"]))
def test_garbage_bytes_are_a_data_error(tmp_path, blob, suffix):
    p = tmp_path / f"g{suffix}"
    p.write_bytes(blob)
    try:
        ds = load_dataset(str(p))
    except DataError as e:
        assert str(e) and "\n" not in str(e)
        return
    # a few byte strings are valid CSV numbers; then they must have loaded properly
    assert np.isfinite(ds.train.numpy()).all() and ds.train.dim() == 2
