"""Stacked MNIST's mode histogram on constructed labels, and on the real stacked test set."""

import math

import numpy as np
import pytest

from otgan.metrics.stacked import mode_histogram


def test_one_mode_is_log_1000_and_balanced_is_zero():
    out = mode_histogram(np.full(26000, 417))
    assert out["stacked_modes"] == 1 and out["stacked_kl"] == pytest.approx(math.log(1000))
    out = mode_histogram(np.repeat(np.arange(1000), 26))
    assert out["stacked_modes"] == 1000 and out["stacked_kl"] == pytest.approx(0.0, abs=1e-12)
    half = mode_histogram(np.repeat(np.arange(500), 52))  # 500 modes, even: KL log 2
    assert half["stacked_modes"] == 500 and half["stacked_kl"] == pytest.approx(math.log(2))


@pytest.mark.slow
def test_real_stacked_test_set_is_classified_triple_by_triple():
    """otgan's MNIST classifier reads the real stacked test set's triples at >= 97% (its
    digit accuracy cubed), and the 26000 real images cover every mode (the ceiling)."""
    from otgan.data.dataset import load_dataset
    from otgan.metrics.stacked import classify_triples, mnist_classifier

    _, digit_accuracy = mnist_classifier(quiet=True)
    ds = load_dataset("stacked-mnist")
    pred = classify_triples(ds.test)
    truth = ds.info["test_triples"].numpy()
    accuracy = float((pred == truth).mean())
    print(f"MNIST classifier test accuracy {digit_accuracy:.4f}; stacked triple accuracy "
          f"{accuracy:.4f}")
    assert accuracy >= 0.97
    assert accuracy == pytest.approx(digit_accuracy ** 3, abs=0.01)
    assert mode_histogram(truth)["stacked_modes"] == 1000
    assert mode_histogram(pred)["stacked_modes"] >= 999
