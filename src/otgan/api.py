"""The Python API: ``train``, ``load_run`` and the ``Run`` they return.

>>> import otgan
>>> run = otgan.train(data="ring", method="wgan-gp", steps=2000, seed=0, out="runs/ring")
>>> x = run.sample(1000, seed=1)            # (1000, 2) float32 numpy array
>>> run = otgan.load_run("runs/ring")       # later, or in another process

Any ``nn.Module`` pair and any data tensor work too::

    otgan.train(data=my_tensor, generator=my_G, critic=my_D, latent_dim=16, steps=5000)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from torch import nn

from .config import TrainConfig, from_dict, resolve, validate
from .data import Dataset, from_tensors
from .errors import DataError
from .training.run import (ALL_METRICS, Run, dataset_from_config, load_run, resolve_device,
                           start_run)
from .training.runs import RunDir
from .training.session import Interrupted, fit, resume

__all__ = ["ALL_METRICS", "Interrupted", "Run", "RunDir", "as_dataset", "fit", "load_run",
           "make_config", "read_run_config", "resolve_device", "resume", "start_run", "train"]


def as_dataset(cfg: TrainConfig, data) -> Dataset:
    if data is None or isinstance(data, (str, Path)):
        return dataset_from_config(cfg)
    if isinstance(data, Dataset):
        return data
    if isinstance(data, (torch.Tensor, np.ndarray)):
        return from_tensors(torch.as_tensor(data), test_fraction=cfg.test_fraction,
                            seed=cfg.data_seed)
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return from_tensors(torch.as_tensor(data[0]), torch.as_tensor(data[1]))
    raise DataError(f"data: expected a dataset name, a path, a tensor, a (train, test) pair or "
                    f"a Dataset, got {type(data).__name__}")


def make_config(config: TrainConfig | Mapping | None = None, config_file=None,
                overrides: Mapping[str, Any] | None = None) -> TrainConfig:
    """Resolve a config from a TrainConfig/dict, a config file and keyword overrides."""
    overrides = dict(overrides or {})
    if isinstance(config, TrainConfig):
        base = config.to_dict()
        base.update(overrides)
        return validate(TrainConfig(**{k: v for k, v in base.items()}), explicit=set(overrides))
    merged = {**dict(config or {}), **overrides}
    return resolve(merged, config_file)


def train(config: TrainConfig | Mapping | None = None, *, data=None, generator: nn.Module = None,
          critic: nn.Module = None, out: str | Path | None = None, overwrite: bool = False,
          config_file: str | Path | None = None, progress: bool = False,
          **overrides) -> Run:
    """Train a GAN; returns the ``Run``.  With ``out``, a run folder is written there.

    ``data`` may be a built-in name, a file path, a tensor/array (N, ...), a (train, test) pair
    or a ``Dataset``; keyword ``overrides`` are config fields (``method="wgan-gp"``, ...).
    """
    if isinstance(data, (str, Path)):
        overrides["data"] = str(data)
    elif data is not None:
        overrides.setdefault("data", "tensor")
    cfg = make_config(config, config_file, overrides)
    folder = RunDir.create(out, overwrite) if out is not None else None
    dataset = as_dataset(cfg, data)
    run = start_run(cfg, dataset, generator, critic, folder)
    fit(run, progress=progress)
    return run


def read_run_config(path: str | Path) -> TrainConfig:
    """The configuration a run folder was trained with."""
    return from_dict(RunDir.open(path).read_config()["config"])
