"""The data a run trains on, from its config or from what the caller passed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..config import TrainConfig
from ..data.dataset import Dataset, from_tensors, load_dataset, weighted
from ..data.specs import IMAGE_SETS, POINT_SETS
from ..data.arrays import load_array_file, load_weights
from ..errors import DataError

#: the fewest held-out points a run is measured on (as config's n_test for built-in sets, and
#: ``otgan eval --n``): exact W1 on fewer measures the sample, not the generator
MIN_HELD_OUT = 100


def dataset_for(cfg: TrainConfig, data=None, weights=None) -> Dataset:
    """``data`` as a Dataset: None or a name/path (the config's ``data``), a tensor or array
    (N, ...) split by ``test_fraction``, a (train, test) pair, or a Dataset.  With ``weights``
    (or the config's ``data_weights`` file) the data is the weighted discrete measure over all
    its points (``data.weighted``).  A held-out split of fewer than ``MIN_HELD_OUT`` points is
    refused: the run's metrics would measure nothing."""
    dataset = _dataset(cfg, data, weights)
    n = int(dataset.test.shape[0])
    if n < MIN_HELD_OUT:
        total = n + int(dataset.train.shape[0])
        split = n == min(max(1, int(round(total * cfg.test_fraction))), total - 1)
        how = (f"test_fraction {cfg.test_fraction:g} of {total} points; give more points or a "
               f"larger test_fraction" if split else "give it more held-out points")
        raise DataError(f"{dataset.name}: its held-out split holds {n} point"
                        f"{'s' if n != 1 else ''}, and the run's metrics need at least "
                        f"{MIN_HELD_OUT} ({how})")
    return dataset


def _dataset(cfg: TrainConfig, data, weights) -> Dataset:
    if weights is not None or cfg.data_weights:
        return _weighted(cfg, data, weights)
    if data is None or isinstance(data, (str, Path)):
        return load_dataset(cfg.data, n_train=cfg.n_train, n_test=cfg.n_test,
                            data_seed=cfg.data_seed, test_fraction=cfg.test_fraction)
    if isinstance(data, Dataset):
        return data
    if isinstance(data, (torch.Tensor, np.ndarray)):
        return from_tensors(torch.as_tensor(data), test_fraction=cfg.test_fraction,
                            seed=cfg.data_seed)
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return from_tensors(torch.as_tensor(data[0]), torch.as_tensor(data[1]))
    raise DataError(f"data: expected a dataset name, a path, a tensor, a (train, test) pair or "
                    f"a Dataset, got {type(data).__name__}")


def _weighted(cfg: TrainConfig, data, weights) -> Dataset:
    if isinstance(data, Dataset) or (isinstance(data, (tuple, list)) and len(data) == 2):
        raise DataError("weights apply to one set of points; pass data as a single tensor, "
                        "array, file or dataset name")
    if data is None or isinstance(data, (str, Path)):
        name = str(data or cfg.data)
        if name in IMAGE_SETS:
            raise DataError(f"data_weights: {name} is an image set with a held-out split of its "
                            f"own; weights apply to the points of a toy set "
                            f"({', '.join(POINT_SETS)}) or of a data file")
        if name in POINT_SETS:
            points = load_dataset(name, n_train=cfg.n_train, n_test=1,
                                  data_seed=cfg.data_seed).train
        else:
            arrays = load_array_file(name, min_points=1)
            if "all" not in arrays:
                raise DataError(f"{name}: weights apply to the rows of a single array, not to "
                                f"an npz with train and test")
            points = torch.from_numpy(np.ascontiguousarray(arrays["all"]))
    else:
        name, points = "tensor", torch.as_tensor(data)
    if weights is None:
        weights = load_weights(cfg.data_weights, points.shape[0])
    return weighted(points, weights, n_test=cfg.n_test, seed=cfg.data_seed, name=name)
