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
    # modes 0-499: the first digit is 0-4 only (log 2), the other two uniform: all digits
    assert half["stacked_kl_digits"] == pytest.approx(math.log(2))
    assert mode_histogram(np.full(26000, 417))["stacked_kl_digits"] == \
        pytest.approx(3 * math.log(10))
    assert out["stacked_kl_digits"] == pytest.approx(0.0, abs=1e-12)


def test_digit_imbalance_and_dependence_split_the_kl():
    """Balanced digits in every channel but the channels tied (all three equal: modes 000,
    111, ..., 999): KL log 100, all of it dependence; a channel that draws only 3s beside two
    independent uniform ones: KL log 10, all of it imbalance."""
    tied = mode_histogram(np.repeat(111 * np.arange(10), 2600))
    assert tied["stacked_modes"] == 10 and tied["stacked_kl"] == pytest.approx(math.log(100))
    assert tied["stacked_kl_digits"] == pytest.approx(0.0, abs=1e-12)
    threes = mode_histogram(300 + np.repeat(np.arange(100), 260))
    assert threes["stacked_kl"] == pytest.approx(math.log(10))
    assert threes["stacked_kl_digits"] == pytest.approx(math.log(10))


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
