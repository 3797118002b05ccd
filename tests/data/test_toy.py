"""Toy data: the lab's ring exactly, the WGAN-GP toy sets' normalizations, the splits."""

import math

import numpy as np
import pytest
import torch

from otgan.data import load_dataset
from otgan.data.toy import TOY
from otgan.data.toy import eight_gaussian_centres, grid_centres, ring, swissroll


def test_ring_is_the_lab_snippet():
    # The lab's code, verbatim, with the global generator seeded.
    torch.manual_seed(123)
    nb_samples, radius, nz = 10000, 1, .1
    X_train = torch.zeros((nb_samples, 2))
    r = radius + nz * torch.randn(nb_samples)
    theta = torch.rand(nb_samples) * 2 * torch.pi
    X_train[:, 0] = r * torch.cos(theta)
    X_train[:, 1] = r * torch.sin(theta)
    assert torch.equal(ring(10000, 123), X_train)


def test_ring_statistics():
    x = ring(20000, 0)
    r = x.norm(dim=1)
    assert float(r.mean()) == pytest.approx(1.0, abs=0.005)
    assert float(r.std()) == pytest.approx(0.1, abs=0.005)


def test_eight_gaussians_modes_and_normalization():
    c = eight_gaussian_centres()
    assert c.shape == (8, 2)
    assert np.allclose(np.linalg.norm(c, axis=1), 2 / 1.414)
    assert len({tuple(np.round(p, 6)) for p in c}) == 8  # no repeated mode
    ds = load_dataset("8gaussians", n_train=8000, n_test=100)
    x = ds.train.numpy()
    d = np.linalg.norm(x[:, None] - c[None], axis=2)
    assert d.min(axis=1).max() < 6 * 0.02 / 1.414  # every point near a mode
    counts = np.bincount(d.argmin(axis=1), minlength=8)
    assert counts.min() > 800  # all modes used
    assert ds.mode_sigma == pytest.approx(0.02 / 1.414)


def test_twenty_five_gaussians_grid_is_balanced():
    c = grid_centres()
    assert c.shape == (25, 2)
    assert np.allclose(sorted(set(np.round(c[:, 0] * 2.828, 6))), [-4, -2, 0, 2, 4])
    ds = load_dataset("25gaussians", n_train=2500, n_test=100)
    d = np.linalg.norm(ds.train.numpy()[:, None] - c[None], axis=2)
    assert (np.bincount(d.argmin(axis=1), minlength=25) == 100).all()
    assert d.min(axis=1).max() < 6 * 0.05 / 2.828


def test_swissroll_is_sklearn_columns_0_2_over_7_5():
    from sklearn.datasets import make_swiss_roll

    x, _ = make_swiss_roll(n_samples=500, noise=0.25, random_state=4)
    assert np.allclose(swissroll(500, 4).numpy(), x[:, [0, 2]] / 7.5, atol=1e-6)


@pytest.mark.parametrize("name", list(TOY))
def test_splits_are_independent_and_reproducible(name):
    a = load_dataset(name, n_train=500, n_test=300, data_seed=3)
    b = load_dataset(name, n_train=500, n_test=300, data_seed=3)
    c = load_dataset(name, n_train=500, n_test=300, data_seed=4)
    assert a.train.shape == (500, 2) and a.test.shape == (300, 2)
    assert a.train.dtype == torch.float32
    assert torch.equal(a.train, b.train) and torch.equal(a.test, b.test)
    assert not torch.equal(a.train, c.train)
    assert not torch.equal(a.train[:300], a.test)  # held-out is a different draw


def test_unknown_name_suggests_the_closest():
    from otgan.errors import DataError

    with pytest.raises(DataError, match="did you mean '8gaussians'"):
        load_dataset("8gausians")


def test_floor_of_the_ring_matches_the_published_noise_floor():
    # REFERENCES: W1 between two independent 2000-point draws of the ring is 0.052 +- 0.008.
    from otgan.metrics import wasserstein1

    w = [wasserstein1(ring(2000, s), ring(2000, 100 + s)) for s in range(3)]
    assert 0.035 < float(np.mean(w)) < 0.07
    assert not math.isnan(w[0])


@pytest.mark.parametrize("name", ["8gaussians", "25gaussians"])
def test_mixtures_are_the_published_ring_and_grid_scaled(name):
    """otgan's two mixtures are the PacGAN/VEEGAN ring and grid under one exact scale: the
    centres, sigma and samples' spread map onto the published ones, and the modes metric
    reads the same numbers in either coordinates."""
    from otgan.data.toy import PUBLISHED
    from otgan.metrics import mode_coverage

    _, published_centres, published_sigma, s = PUBLISHED[name]
    _, centres, sigma = TOY[name]
    assert np.allclose(s * centres(), published_centres(), rtol=0, atol=1e-12)
    assert s * sigma == pytest.approx(published_sigma, rel=1e-12)
    ds = load_dataset(name, n_train=20000, n_test=100)
    x = ds.train.double().numpy() * s
    c = published_centres()
    d = x[:, None] - c[None]
    nearest = np.linalg.norm(d, axis=2).argmin(1)
    resid = x - c[nearest]
    assert resid.std() == pytest.approx(published_sigma, rel=0.03)  # each coordinate's sigma
    assert np.bincount(nearest, minlength=len(c)).min() > 0.8 * len(x) / len(c)
    fake = ds.train[:2500].double().numpy() * 1.03 + 0.01  # off the modes a little
    ours = mode_coverage(fake, centres(), sigma)
    theirs = mode_coverage(fake * s, published_centres(), published_sigma)
    assert ours == pytest.approx(theirs)
