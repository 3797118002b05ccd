"""User point clouds from files, and every way they can be wrong."""

import numpy as np
import pytest
import torch

from otgan.data import from_tensors, load_dataset
from otgan.errors import DataError


def test_npy_npz_csv_load_and_split(tmp_path):
    x = np.random.default_rng(0).standard_normal((100, 3)).astype(np.float32)
    np.save(tmp_path / "a.npy", x)
    np.savez(tmp_path / "b.npz", data=x)
    np.savez(tmp_path / "c.npz", train=x[:80], test=x[80:])
    np.savetxt(tmp_path / "d.csv", x, delimiter=",", header="a,b,c", comments="")
    for name in ["a.npy", "b.npz", "d.csv"]:
        ds = load_dataset(str(tmp_path / name), test_fraction=0.25)
        assert ds.train.shape == (75, 3) and ds.test.shape == (25, 3)
        both = torch.cat([ds.train, ds.test])
        assert torch.allclose(both[both[:, 0].argsort()], torch.from_numpy(x[x[:, 0].argsort()]),
                              atol=1e-6)
    ds = load_dataset(str(tmp_path / "c.npz"))
    assert torch.equal(ds.test, torch.from_numpy(x[80:]))


@pytest.mark.parametrize("content,match", [
    (np.zeros(10), "shape"),
    (np.zeros((1, 2)), "at least 2 points"),
    (np.array([[0.0, np.nan], [1.0, 2.0]]), "NaN or Inf .first at row 0"),
    (np.array([[0.0, 1.0], [np.inf, 2.0]]), "row 1"),
    (np.array([["a", "b"], ["c", "d"]]), "numbers"),
])
def test_bad_arrays_are_refused_with_the_reason(tmp_path, content, match):
    p = tmp_path / "x.npy"
    np.save(p, content)
    with pytest.raises(DataError, match=match):
        load_dataset(str(p))


def test_bad_files(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_dataset(str(tmp_path / "missing.npy"))
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        load_dataset(str(tmp_path / "empty.csv"))
    (tmp_path / "bad.csv").write_text("1,2\n3,x\n")
    with pytest.raises(DataError, match="non-numeric value on line 2"):
        load_dataset(str(tmp_path / "bad.csv"))
    (tmp_path / "ragged.csv").write_text("1,2\n3\n")
    with pytest.raises(DataError, match="different numbers of columns"):
        load_dataset(str(tmp_path / "ragged.csv"))
    (tmp_path / "junk.npy").write_bytes(b"not numpy at all")
    with pytest.raises(DataError, match="junk.npy: not a numeric npy array"):
        load_dataset(str(tmp_path / "junk.npy"))
    (tmp_path / "x.txt").write_text("1,2\n")
    with pytest.raises(DataError, match="unsupported"):
        load_dataset(str(tmp_path / "x.txt"))


def test_pickled_object_arrays_are_not_loaded(tmp_path):
    p = tmp_path / "obj.npy"
    np.save(p, np.array([{"a": 1}, {"b": 2}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="never loads") as e:
        load_dataset(str(p))
    assert "allow_pickle" not in str(e.value)  # not numpy's advice to load it unsafely
    (tmp_path / "bytes.npy").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DataError, match="bytes.npy: not a numeric npy array"):
        load_dataset(str(tmp_path / "bytes.npy"))


def test_a_dangling_or_looping_link_is_named(tmp_path):
    (tmp_path / "a.npy").symlink_to(tmp_path / "b.npy")
    (tmp_path / "b.npy").symlink_to(tmp_path / "a.npy")
    (tmp_path / "c.npy").symlink_to(tmp_path / "gone.npy")
    for name in ("a.npy", "c.npy"):
        with pytest.raises(DataError, match="a symbolic link to nothing"):
            load_dataset(str(tmp_path / name))


def test_from_tensors():
    ds = from_tensors(torch.randn(50, 4))
    assert ds.train.shape == (40, 4) and ds.test.shape == (10, 4)
    with pytest.raises(DataError, match="NaN"):
        from_tensors(torch.tensor([[0.0], [float("nan")]]))
