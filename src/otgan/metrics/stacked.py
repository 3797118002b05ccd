"""Stacked MNIST's modes (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018).

Each of ``SAMPLES`` = 26000 generated images has its three channels read by otgan's MNIST
classifier (``images.py``: trained once on MNIST's training split and cached, its test accuracy
stored with it); the three digits name one of 1000 modes.  Reported: the modes covered (at least
one sample) and KL(mode histogram || uniform over 1000) = sum_m p_m log(1000 p_m), 0 for a
perfectly balanced generator and log 1000 when every sample has one triple.  That KL is the sum
of the three channels' digit imbalances, KL(digit histogram of channel c || uniform over 10),
reported as ``stacked_kl_digits``, plus the dependence between the channels (their total
correlation, the rest): it says whether a generator favours some digits or some pairings.
"""

from __future__ import annotations

import numpy as np
import torch

from .images import load_classifier
from .registry import register

SAMPLES = 26000
MODES = 1000
_MNIST: dict = {}


def mnist_classifier(quiet: bool = False):
    """otgan's MNIST classifier (trained once and cached) and its test accuracy."""
    if "model" not in _MNIST:
        from ..data.dataset import load_dataset

        mnist = load_dataset("mnist")
        model = load_classifier(mnist, quiet=quiet)
        _MNIST["model"] = model
        _, p = model.embed(mnist.test)
        _MNIST["accuracy"] = float((p.argmax(1) == mnist.test_labels).double().mean())
    return _MNIST["model"], _MNIST["accuracy"]


def classify_triples(images: torch.Tensor, model=None, batch: int = 2000) -> np.ndarray:
    """(n, 3, 28, 28) images in [-1, 1] -> (n,) mode indices 100 a + 10 b + c."""
    model = model if model is not None else mnist_classifier()[0]
    out = []
    for i in range(0, images.shape[0], batch):
        x = images[i:i + batch].float()
        _, p = model.embed(x.reshape(-1, 1, *x.shape[-2:]))
        d = p.argmax(1).reshape(-1, 3).numpy()
        out.append(100 * d[:, 0] + 10 * d[:, 1] + d[:, 2])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _kl_to_uniform(counts: np.ndarray) -> float:
    p = counts / max(1, counts.sum())
    nz = p > 0
    return float(np.sum(p[nz] * np.log(p[nz] * len(counts))))


def mode_histogram(modes: np.ndarray) -> dict:
    """Modes covered and KL(histogram || uniform over 1000) of mode indices, and the part of
    that KL the channels' digit histograms carry (each against uniform over 10, summed)."""
    modes = np.asarray(modes, dtype=np.int64)
    counts = np.bincount(modes, minlength=MODES)
    digits = [modes // 100, modes // 10 % 10, modes % 10]
    return {"stacked_modes": int((counts > 0).sum()), "stacked_kl": _kl_to_uniform(counts),
            "stacked_kl_digits": sum(_kl_to_uniform(np.bincount(d, minlength=10))
                                     for d in digits)}


@register("stacked")
def _stacked(ctx) -> dict:
    x = ctx.sample(SAMPLES) if ctx.sample is not None else ctx.fake
    return mode_histogram(classify_triples(x))
