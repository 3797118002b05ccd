"""Stacked MNIST's construction on digits with known labels."""

import numpy as np

from otgan.data.specs import DATASETS, IMAGE_SETS
from otgan.data.stacked import TEST, TRAIN, stack, triple_labels


def _digits(n=50):
    # image i is filled with the value i, its label i % 10: a stacked image names its sources
    x = np.arange(n, dtype=np.float32)[:, None, None, None] * np.ones((1, 1, 28, 28), np.float32)
    return x, np.arange(n) % 10


def test_each_channel_is_a_digit_and_the_label_its_triple():
    x, y = _digits()
    images, labels = stack(x, y, 5000, seed=3)
    assert images.shape == (5000, 3, 28, 28) and labels.shape == (5000,)
    src = images[:, :, 0, 0].astype(int)  # the source index of each channel
    assert (images == images[:, :, :1, :1]).all()  # each channel one whole source image
    assert np.array_equal(labels, triple_labels(y[src]))
    assert np.array_equal(labels, 100 * (src[:, 0] % 10) + 10 * (src[:, 1] % 10) + src[:, 2] % 10)
    # channels drawn independently and uniformly: all 1000 triples, none much favoured
    counts = np.bincount(stack(x, y, 200000, seed=0)[1], minlength=1000)
    assert counts.min() > 120 and counts.max() < 290  # mean 200, sd about 14
    again, _ = stack(x, y, 5000, seed=3)
    assert np.array_equal(again, images)
    assert not np.array_equal(stack(x, y, 5000, seed=4)[0], images)


def test_stacked_mnist_is_a_builtin_image_set_of_pacgans_size():
    assert "stacked-mnist" in DATASETS and "stacked-mnist" in IMAGE_SETS
    assert (TRAIN, TEST) == (128000, 26000)
