"""Stacked MNIST (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018): three MNIST digits
stacked as the three channels of one 28 x 28 image, so 1000 modes (the digit triples).

The training set is ``TRAIN`` = 128000 images (PacGAN's size), each channel a digit of MNIST's
training split drawn uniformly at random (with replacement; seeded by ``data_seed``); the
held-out set is ``TEST`` = 26000 images built the same way from MNIST's test split (the
protocol's 26000 samples, so its mode count is the ceiling a generator is set beside).  The
triples' labels (100 * first digit + 10 * second + third) are kept apart from the ``Dataset``'s
labels, so that the per-image metrics of labelled sets (a 1000-class classifier) do not apply:
the Stacked MNIST metric (``metrics/stacked.py``) reads each channel with otgan's MNIST
classifier instead.
"""

from __future__ import annotations

import numpy as np

TRAIN, TEST = 128000, 26000
MODES = 1000
# the test triples' stream, apart from the training triples' whatever the seed
_TEST_STREAM = 0x57AC


def stack(x: np.ndarray, y: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images (n, 3, 28, 28) of three digits of (x (N, 1, 28, 28) or (N, 28, 28), y)
    drawn with ``seed``, and their triple labels (n,) in 0..999."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(x), size=(n, 3))
    images = np.asarray(x).reshape(len(x), *np.asarray(x).shape[-2:])[idx]
    labels = (100 * y[idx[:, 0]] + 10 * y[idx[:, 1]] + y[idx[:, 2]]).astype(np.int64)
    return images, labels


def triple_labels(digits: np.ndarray) -> np.ndarray:
    """(n, 3) digits -> (n,) mode index 100 a + 10 b + c."""
    d = np.asarray(digits)
    return (100 * d[:, 0] + 10 * d[:, 1] + d[:, 2]).astype(np.int64)


def load_stacked_mnist(seed: int = 0) -> dict[str, np.ndarray]:
    """{x_train, y_train, x_test, y_test}: the stacked sets (float32 in [-1, 1]) and their
    triple labels, from MNIST's cached splits."""
    from .images import load_images

    a = load_images("mnist")
    seeds = np.random.SeedSequence(seed).spawn(2)
    s_train, s_test = (int(s.generate_state(1)[0]) for s in seeds)
    x_train, y_train = stack(a["x_train"], a["y_train"], TRAIN, s_train)
    x_test, y_test = stack(a["x_test"], a["y_test"], TEST, s_test + _TEST_STREAM)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
