"""The built-in data sets described without PyTorch: name, kind, what they are.

config.py checks ``--data`` against these names and picks a method's ``images`` preset on the
image sets; ``toy.py`` holds the point sets' samplers and ``images.py`` the image sets' sources,
each keyed by these names (tests/data/test_specs.py keeps every spec implemented).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..fields import did_you_mean


@dataclass(frozen=True)
class DataSpec:
    name: str
    #: "points" (2D toy sets, sized by n_train/n_test) or "images" (own splits, class labels)
    kind: str
    summary: str


#: every built-in set, in the order the help and `otgan data show` list them
DATASETS: dict[str, DataSpec] = {spec.name: spec for spec in (
    DataSpec("ring", "points", "the lab's ring: radius 1 + 0.1 N(0, 1), angle uniform"),
    DataSpec("8gaussians", "points", "8 Gaussians on a circle of radius 2, sigma 0.02, / 1.414 "
             "(WGAN-GP's toy code)"),
    DataSpec("25gaussians", "points", "25 Gaussians on {-4,-2,0,2,4}^2, sigma 0.05, / 2.828 "
             "(WGAN-GP's toy code)"),
    DataSpec("swissroll", "points", "scikit-learn's swiss roll, noise 0.25, / 7.5"),
    DataSpec("moons", "points", "scikit-learn's two moons, noise 0.05"),
    DataSpec("mnist", "images", "MNIST, 60000 + 10000 handwritten digits, 28 x 28"),
    DataSpec("fashion-mnist", "images", "Fashion-MNIST, 60000 + 10000 clothing images, 28 x 28"),
    DataSpec("digits", "images", "scikit-learn's 8 x 8 digits, 1797 images"),
    DataSpec("stacked-mnist", "images", "Stacked MNIST: 3 random MNIST digits as 3 channels, "
             "1000 modes; 128000 + 26000 images (PacGAN's protocol)"),
)}
POINT_SETS = tuple(n for n, s in DATASETS.items() if s.kind == "points")
IMAGE_SETS = tuple(n for n, s in DATASETS.items() if s.kind == "images")


def missing_data(spec: str) -> str | None:
    """Why ``spec`` names no data (neither a built-in set nor an existing path), one line, or
    None; a check the commands make before loading PyTorch."""
    if spec in DATASETS or Path(spec).exists() or Path(spec).is_symlink():
        return None
    if Path(spec).suffix or "/" in spec or os.sep in spec:
        return f"data file not found: {spec}"
    hint = did_you_mean(spec, DATASETS).replace(" (", "; ").rstrip(")")
    return (f"data: {spec!r} is neither a built-in dataset ({', '.join(DATASETS)}) nor an "
            f"existing .npy/.npz/.csv file or image folder{hint}")
