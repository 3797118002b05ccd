"""Exact OT metrics against closed-form answers."""

import numpy as np
import pytest
import torch

from otgan.metrics.ot import (OTNotConverged, emd2, energy_distance, sliced_wasserstein,
                              wasserstein, wasserstein1, wasserstein2)


def cloud(n=300, d=2, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


@pytest.mark.parametrize("t", [(0.3, -0.4), (2.0, 0.0), (0.0, 0.0)])
def test_w1_and_w2_of_a_translate_equal_the_translation_length(t):
    # W_p(X, X + t) = ||t||: the translation is a plan of that cost, and by Jensen no plan is
    # cheaper than the distance between the means.
    x = cloud()
    y = x + np.array(t)
    assert wasserstein1(x, y) == pytest.approx(np.hypot(*t), abs=1e-9)
    assert wasserstein2(x, y) == pytest.approx(np.hypot(*t), abs=1e-6)


def test_one_dimensional_wasserstein_is_the_sorted_matching():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(400), rng.exponential(size=400)
    diff = np.sort(x) - np.sort(y)
    assert wasserstein1(x[:, None], y[:, None]) == pytest.approx(np.abs(diff).mean(), rel=1e-9)
    assert wasserstein2(x[:, None], y[:, None]) == pytest.approx(np.sqrt((diff ** 2).mean()),
                                                                 rel=1e-9)


def test_weighted_point_masses():
    # mass 1/2 at 0 and 1/2 at 1 against a single point at 1: half the mass moves by 1.
    x = np.array([[0.0], [1.0]])
    y = np.array([[1.0]])
    assert wasserstein(x, y, a=[0.5, 0.5], p=1) == pytest.approx(0.5)
    assert wasserstein(x, y, a=[0.5, 0.5], p=2) == pytest.approx(np.sqrt(0.5))


def test_accepts_tensors_and_flattens_images():
    x = torch.zeros(10, 1, 2, 2)
    y = torch.ones(10, 1, 2, 2)
    assert wasserstein1(x, y) == pytest.approx(2.0)  # ||(1,1,1,1)|| = 2


def test_non_convergence_raises_instead_of_returning_a_biased_value():
    x, y = cloud(400, seed=2), cloud(400, seed=3)
    M = np.sqrt(((x[:, None] - y[None]) ** 2).sum(-1))
    a = np.full(400, 1 / 400)
    with pytest.raises(OTNotConverged, match="did not converge"):
        emd2(a, a, M, num_iter_max=50)
    assert emd2(a, a, M) == pytest.approx(wasserstein1(x, y))


def test_rejects_mismatched_dimensions_and_bad_weights():
    with pytest.raises(ValueError, match="dimensions"):
        wasserstein1(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="weights"):
        wasserstein(np.zeros((2, 1)), np.zeros((2, 1)), a=[0.9, 0.9])


def test_sliced_and_energy_vanish_on_identical_clouds_and_grow_with_shift():
    x = cloud(500)
    assert sliced_wasserstein(x, x) == pytest.approx(0.0, abs=1e-12)
    assert energy_distance(x, x) == pytest.approx(0.0, abs=1e-12)
    assert sliced_wasserstein(x, x + 1.0) > sliced_wasserstein(x, x + 0.5) > 0
    assert energy_distance(x, x + 1.0) > energy_distance(x, x + 0.5) > 0


@pytest.mark.parametrize("m,s", [((0.5, -1.0), 1.0), ((0.0, 0.0), 2.0), ((1.0, 2.0), 0.5)])
def test_w2_of_an_affine_image_is_closed_form(m, s):
    # For Y = m + s X (s > 0) the map x -> m + s x is the gradient of a convex function, hence
    # optimal even between point clouds: W2^2 = mean ||m + (s - 1) x_i||^2.
    x = cloud(300, seed=5)
    y = np.array(m) + s * x
    expected = np.sqrt(np.mean(np.sum((np.array(m) + (s - 1) * x) ** 2, axis=1)))
    assert wasserstein2(x, y) == pytest.approx(expected, rel=1e-6)


def test_w2_between_gaussians_matches_the_gaussian_formula():
    # W2(N(0, I), N(m, s^2 I)) = sqrt(||m||^2 + d (s - 1)^2); samples of 2000 points carry the
    # known statistical error, so compare within a few percent.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2000, 2))
    y = np.array([1.0, -0.5]) + 1.5 * rng.standard_normal((2000, 2))
    exact = np.sqrt(1.25 + 2 * 0.25)
    assert wasserstein2(x, y) == pytest.approx(exact, rel=0.05)
