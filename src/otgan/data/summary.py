"""What a dataset is, in numbers: shapes, value range, per-coordinate moments, modes, classes
(``otgan data show``; the lab's first question, "plot the data", and its second, the sizes)."""

from __future__ import annotations

import torch

from .dataset import Dataset

#: per-coordinate moments are listed up to this dimension
MAX_COORDINATES = 8


def summary(ds: Dataset) -> dict:
    """A JSON-ready description of ``ds``: kind, shapes of both splits, the dimension a network
    sees (the flattened size), the range of the values, and for points the mean and standard
    deviation of each coordinate, for mixtures the modes, for labelled sets the class counts."""
    x = ds.train.float()
    out = {"name": ds.name, "kind": ds.info.get("kind", "data"),
           "train_shape": list(ds.train.shape), "test_shape": list(ds.test.shape),
           "dimension": ds.dim, "min": float(x.min()), "max": float(x.max())}
    if not ds.is_image and ds.dim <= MAX_COORDINATES:
        out["mean"] = [round(float(v), 6) for v in x.mean(0)]
        out["std"] = [round(float(v), 6) for v in x.std(0)]
    if ds.modes is not None:
        out["modes"] = int(ds.modes.shape[0])
        out["mode_sigma"] = ds.mode_sigma
    if ds.train_labels is not None:
        classes, counts = torch.unique(ds.train_labels, return_counts=True)
        out["classes"] = {int(c): int(n) for c, n in zip(classes, counts)}
    if ds.weights is not None:
        out["weights"] = {"min": float(ds.weights.min()), "max": float(ds.weights.max())}
    return out
