"""The data a run trains on, from its config or from what the caller passed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..config import TrainConfig
from ..data import Dataset, from_tensors, load_dataset
from ..errors import DataError


def dataset_for(cfg: TrainConfig, data=None) -> Dataset:
    """``data`` as a Dataset: None or a name/path (the config's ``data``), a tensor or array
    (N, ...) split by ``test_fraction``, a (train, test) pair, or a Dataset."""
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
