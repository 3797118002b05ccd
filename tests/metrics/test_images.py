"""Image metrics: closed forms on Gaussians, and the calibration ordering on real digits."""

import numpy as np
import pytest
import torch

from otgan.metrics import images as I


def test_frechet_distance_of_gaussians_closed_form():
    # FID between N(m1, S1) and N(m2, S2) with commuting diagonal covariances:
    # |m1 - m2|^2 + sum (sqrt(s1) - sqrt(s2))^2, estimated from 200000 samples
    g = torch.Generator().manual_seed(0)
    s1, s2 = torch.tensor([1.0, 4.0, 0.25]), torch.tensor([4.0, 1.0, 1.0])
    a = torch.randn(200000, 3, generator=g, dtype=torch.float64) * s1.sqrt()
    b = torch.randn(200000, 3, generator=g, dtype=torch.float64) * s2.sqrt() + 1.0
    exact = 3.0 + float(((s1.sqrt() - s2.sqrt()) ** 2).sum())
    assert I.frechet_distance(a, b) == pytest.approx(exact, rel=0.01)
    assert I.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_kernel_distance_unbiased_and_positive_for_a_shift():
    g = torch.Generator().manual_seed(1)
    a = torch.randn(2000, 8, generator=g, dtype=torch.float64)
    b = torch.randn(2000, 8, generator=g, dtype=torch.float64)
    same, _ = I.kernel_distance(a, b, subsets=20, subset_size=500)
    shifted, _ = I.kernel_distance(a + 1.0, b, subsets=20, subset_size=500)
    assert abs(same) < 0.05  # unbiased: zero in expectation for equal distributions
    assert shifted > 1.0


def test_precision_recall_of_a_half_support():
    # fake covers one half of the real cloud: precision ~1, recall ~1/2
    g = torch.Generator().manual_seed(2)
    real = torch.rand(2000, 2, generator=g, dtype=torch.float64)
    fake = real[real[:, 0] < 0.5][:800] + 1e-3
    pr = I.precision_recall(fake, real, k=3)
    assert pr["precision"] > 0.97
    assert 0.4 < pr["recall"] < 0.6


def test_class_coverage_and_confidence_bounds():
    k = 10
    one_hot = torch.eye(k).repeat(50, 1)  # balanced, confident
    assert I.class_coverage(one_hot) == {"classes_covered": 10, "class_kl": 0.0}
    assert I.confidence_score(one_hot) == pytest.approx(10.0, rel=1e-6)
    collapsed = torch.zeros(100, k)
    collapsed[:, 3] = 1
    assert I.class_coverage(collapsed)["classes_covered"] == 1
    assert I.class_coverage(collapsed)["class_kl"] == pytest.approx(np.log(10))
    assert I.confidence_score(collapsed) == pytest.approx(1.0)
    assert I.confidence_score(torch.full((100, k), 0.1)) == pytest.approx(1.0)


def test_calibration_orders_real_collapse_and_noise(shared_data_home):
    """On scikit-learn's digits: real training images beat a one-class generator and noise on
    every metric; precision separates collapse (real-looking) from noise; recall, coverage and
    confidence single out collapse (measured: FID 22 / 1348 / 664)."""
    from otgan.data import load_dataset

    ds = load_dataset("digits")
    model = I.load_classifier(ds, quiet=True)
    assert I.accuracy(model, ds.test, ds.test_labels) >= 0.95
    g = torch.Generator().manual_seed(0)
    n = ds.test.shape[0]
    f_real, _ = model.embed(ds.test)
    cands = {"real": ds.train[torch.randperm(ds.train.shape[0], generator=g)[:n]],
             "collapse": ds.train[ds.train_labels == 0][:n],
             "noise": torch.rand(n, 1, 8, 8, generator=g) * 2 - 1}
    m = {}
    for name, x in cands.items():
        f, p = model.embed(x)
        m[name] = dict(fid=I.frechet_distance(f, f_real),
                       kid=I.kernel_distance(f, f_real, subsets=10, subset_size=n)[0],
                       **I.precision_recall(f, f_real), **I.class_coverage(p),
                       conf=I.confidence_score(p))
    for bad in ("collapse", "noise"):
        assert m["real"]["fid"] * 5 < m[bad]["fid"]
        assert m["real"]["kid"] < m[bad]["kid"]
        assert m["real"]["recall"] > m[bad]["recall"]
        assert m["real"]["conf"] > m[bad]["conf"]
    assert m["real"]["classes_covered"] == 10 and m["collapse"]["classes_covered"] == 1
    assert m["collapse"]["precision"] > 0.5 > m["noise"]["precision"]
    assert m["collapse"]["class_kl"] > m["noise"]["class_kl"] > m["real"]["class_kl"]
    # cached: a second call loads the same weights
    again = I.load_classifier(ds, quiet=True)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(),
                                                 again.state_dict().values()))
