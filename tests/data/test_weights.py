"""Weighted discrete measures: validation, held-out draws, and the batch sampler's frequencies."""

import numpy as np
import pytest
import torch

from otgan.config import resolve
from otgan.data import weighted
from otgan.data.arrays import load_weights
from otgan.errors import DataError
from otgan.training.datasets import dataset_for
from otgan.training.sampler import BatchSampler


def test_weighted_measure_trains_on_every_point_and_holds_out_draws():
    x = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    ds = weighted(x, [2.0, 1.0, 1.0], n_test=40000, seed=0)
    assert torch.equal(ds.train, x)
    assert torch.allclose(ds.weights, torch.tensor([0.5, 0.25, 0.25]))
    freq = torch.stack([(ds.test == p).all(1).float().mean() for p in x])
    assert torch.allclose(freq, ds.weights, atol=0.01)
    one = weighted(torch.ones(1, 2), [1.0], n_test=10)  # one point is a measure too
    assert one.train.shape == (1, 2) and torch.equal(one.test, torch.ones(10, 2))


@pytest.mark.parametrize("w, needle", [([1.0, -1.0, 1.0], "non-negative"),
                                       ([0.0, 0.0, 0.0], "not all zero"),
                                       ([1.0, float("nan"), 1.0], "finite"),
                                       ([1.0, 1.0], "expected 3 weights")])
def test_bad_weights_are_refused(w, needle):
    with pytest.raises(DataError, match=needle):
        weighted(torch.zeros(3, 2), w)


def test_weights_file_with_a_data_file(tmp_path):
    np.save(tmp_path / "y.npy", np.array([[-1.0, 0.0], [1.0, 0.0]], dtype=np.float32))
    np.savetxt(tmp_path / "w.csv", np.array([3.0, 1.0]), delimiter=",")
    assert load_weights(tmp_path / "w.csv", 2).tolist() == [0.75, 0.25]
    cfg = resolve({"data": str(tmp_path / "y.npy"), "data_weights": str(tmp_path / "w.csv"),
                   "n_test": 1000})
    ds = dataset_for(cfg)
    assert ds.train.shape == (2, 2) and ds.weights.tolist() == [0.75, 0.25]
    assert float((ds.test[:, 0] < 0).float().mean()) == pytest.approx(0.75, abs=0.05)
    with pytest.raises(DataError, match="expected 3 weights"):
        load_weights(tmp_path / "w.csv", 3)


def test_sampler_batches_larger_than_the_data_and_weighted_batches():
    data = torch.arange(3.0).reshape(3, 1)
    s = BatchSampler(data, 7, generator=torch.Generator().manual_seed(0))
    batches = [s.next().long().reshape(-1) for _ in range(30)]
    # a batch spans 3 permutations: no point more than 3 times in it, all about equally often
    assert all(int(torch.bincount(b).max()) <= 3 for b in batches)
    counts = torch.bincount(torch.cat(batches), minlength=3)
    assert counts.min() >= 60 and counts.max() <= 80, counts
    s = BatchSampler(data, 1000, generator=torch.Generator().manual_seed(0),
                     weights=torch.tensor([0.7, 0.2, 0.1]))
    freq = torch.bincount(s.next().long().reshape(-1), minlength=3).float() / 1000
    assert torch.allclose(freq, torch.tensor([0.7, 0.2, 0.1]), atol=0.04)
