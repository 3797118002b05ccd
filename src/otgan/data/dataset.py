"""The ``Dataset`` (a training split and a held-out split, used only for evaluation, as tensors)
and how one is loaded: a built-in set by name, a user file or folder, tensors, weighted points."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..errors import DataError
from .arrays import SUFFIXES, check_weights, load_array_file, split
from .images import load_image_folder, load_images
from .specs import IMAGE_SETS, missing_data
from .stacked import load_stacked_mnist
from .toy import TOY


@dataclass
class Dataset:
    """Training and held-out points, float32, shape (N, d) or images (N, C, H, W) in [-1, 1].

    Parameters
    ----------
    name : str
        The data set's name.
    train, test : torch.Tensor
        The training split and the held-out split (used only for evaluation).
    modes : torch.Tensor, optional
        Mixture mode centres (K, d), when known.
    mode_sigma : float, optional
        The modes' standard deviation, when known.
    info : dict
        What kind of data it is (``{"kind": "toy" | "images" | "file" | "tensor" | "weighted", ...}``).
    train_labels, test_labels : torch.Tensor, optional
        Class labels of the splits, when the data has them (image sets).
    weights : torch.Tensor, optional
        The training points' weights (sum 1) when the data is a weighted discrete measure;
        None: uniform.
    """

    name: str
    train: torch.Tensor
    test: torch.Tensor
    #: mixture mode centres (K, d) and their standard deviation, when known
    modes: torch.Tensor | None = None
    mode_sigma: float | None = None
    info: dict = field(default_factory=dict)
    #: class labels of the splits, when the data has them (image sets)
    train_labels: torch.Tensor | None = None
    test_labels: torch.Tensor | None = None
    #: the training points' weights (sum 1) when the data is a weighted discrete measure; None:
    #: uniform
    weights: torch.Tensor | None = None

    @property
    def is_image(self) -> bool:
        return self.train.dim() == 4

    @property
    def dim(self) -> int:
        return int(self.train[0].numel())


# Independent streams for the two splits of generated data: the held-out draw must not overlap
# the training draw, whatever the seed.
_TEST_STREAM = 0x5EED


def load_dataset(name: str, *, n_train: int = 10000, n_test: int = 10000, data_seed: int = 0,
                 test_fraction: float = 0.2) -> Dataset:
    """A built-in set by name (toy or image), a user file or a folder of images.

    Parameters
    ----------
    name : str
        A built-in name (docs/configuration.md), a .npy/.npz/.csv file of shape (N, d) or a
        folder of PNG/JPG images.
    n_train, n_test : int
        Sizes of the toy sets' splits (image sets keep their own splits).
    data_seed : int
        Seed of the toy sets' draws and of a file's split.
    test_fraction : float
        The held-out share of a user file.

    Returns
    -------
    Dataset
        The training and held-out splits.
    """
    if name in TOY:
        sampler, centres, sigma = TOY[name]
        seeds = np.random.SeedSequence(data_seed).spawn(2)
        s_train, s_test = (int(s.generate_state(1)[0]) for s in seeds)
        train = sampler(n_train, s_train)
        test = sampler(n_test, s_test + _TEST_STREAM)
        modes = torch.from_numpy(centres().astype(np.float32)) if centres else None
        return Dataset(name, train, test, modes, sigma, {"kind": "toy"})
    if name == "stacked-mnist":
        a = load_stacked_mnist(data_seed)
        return Dataset(name, torch.from_numpy(a["x_train"]), torch.from_numpy(a["x_test"]),
                       info={"kind": "images", "stacked": True,
                             "test_triples": torch.from_numpy(a["y_test"])})
    if name in IMAGE_SETS:
        a = load_images(name)
        t = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in a.items()}
        return Dataset(name, t["x_train"], t["x_test"], info={"kind": "images"},
                       train_labels=t["y_train"], test_labels=t["y_test"])
    if Path(name).is_dir():
        tr, te = split(load_image_folder(Path(name)), test_fraction, data_seed)
        return Dataset(str(name), torch.from_numpy(np.ascontiguousarray(tr)),
                       torch.from_numpy(np.ascontiguousarray(te)), info={"kind": "images"})
    if Path(name).suffix.lower() in SUFFIXES or Path(name).exists():
        arrays = load_array_file(name)
        if "all" in arrays:
            tr, te = split(arrays["all"], test_fraction, data_seed)
        else:
            tr, te = arrays["train"], arrays["test"]
        return Dataset(str(name), torch.from_numpy(np.ascontiguousarray(tr)),
                       torch.from_numpy(np.ascontiguousarray(te)), info={"kind": "file"})
    raise DataError(missing_data(name) or f"data: {name!r} cannot be read")


def from_tensors(train: torch.Tensor, test: torch.Tensor | None = None, name: str = "tensor",
                 test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """Wrap user tensors as a ``Dataset``.

    Parameters
    ----------
    train : array_like
        The training points, shape (N, ...).
    test : array_like, optional
        The held-out points [default: a split drawn from ``train``].
    name : str
        The data set's name in reports.
    test_fraction : float
        The share of ``train`` held out when ``test`` is not given.
    seed : int
        Seed of that split.

    Returns
    -------
    Dataset
        float32 CPU tensors.
    """
    x = torch.as_tensor(train).detach().float().cpu()
    if x.dim() < 2 or x.shape[0] < 2:
        raise DataError(f"data tensor: expected shape (N, ...) with N >= 2, got {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise DataError("data tensor: contains NaN or Inf")
    if test is None:
        perm = torch.from_numpy(np.random.default_rng(seed).permutation(x.shape[0]))
        n_test = min(max(1, int(round(x.shape[0] * test_fraction))), x.shape[0] - 1)
        return Dataset(name, x[perm[n_test:]], x[perm[:n_test]], info={"kind": "tensor"})
    y = torch.as_tensor(test).detach().float().cpu()
    if y.shape[1:] != x.shape[1:]:
        raise DataError(f"data tensors: train shape {tuple(x.shape)} and test shape "
                        f"{tuple(y.shape)} differ beyond the first axis")
    return Dataset(name, x, y, info={"kind": "tensor"})


def weighted(points, weights, *, n_test: int = 10000, seed: int = 0,
             name: str = "weighted points") -> Dataset:
    """The discrete measure sum_j w_j delta_{x_j}: every point is a training point with its
    weight (normalized to sum 1); the held-out split is ``n_test`` independent draws from the
    measure (seeded), so held-out metrics compare against the measure itself."""
    x = torch.as_tensor(np.asarray(points) if not torch.is_tensor(points) else points)
    x = x.detach().float().cpu()
    if x.dim() < 2 or x.shape[0] < 1:
        raise DataError(f"{name}: expected points of shape (N, ...) with N >= 1, got "
                        f"{tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise DataError(f"{name}: contains NaN or Inf")
    w = weights.detach().cpu().numpy() if torch.is_tensor(weights) else weights
    w = torch.from_numpy(check_weights(w, x.shape[0], f"{name} weights"))
    g = torch.Generator().manual_seed(int(seed))
    test = x[torch.multinomial(w, n_test, replacement=True, generator=g)]
    return Dataset(name, x, test, info={"kind": "weighted"}, weights=w.float())


__all__ = ["Dataset", "load_dataset", "from_tensors", "weighted"]
