"""Toy 2D distributions: the lab's ring and the WGAN-GP authors' toy sets.

Each sampler takes a count and a seed and returns a float32 tensor of shape (n, 2).  Mixtures also
publish their mode centres and standard deviation (after normalization) for mode-coverage metrics.
"""

from __future__ import annotations


import numpy as np
import torch


def ring(n: int, seed: int) -> torch.Tensor:
    """The lab's snippet: radius 1 + 0.1 * N(0, 1), angle uniform on [0, 2 pi)."""
    g = torch.Generator().manual_seed(seed)
    r = 1.0 + 0.1 * torch.randn(n, generator=g)
    theta = torch.rand(n, generator=g) * 2 * torch.pi
    return torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1)


def eight_gaussian_centres() -> np.ndarray:
    """Centres of ``8gaussians`` after normalization: radius 2 / 1.414."""
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)  # endpoint=False: 8 distinct modes
    return np.stack([np.cos(angles), np.sin(angles)], axis=1) * 2.0 / 1.414


def eight_gaussians(n: int, seed: int) -> torch.Tensor:
    """8 modes on a circle of radius 2, sigma 0.02, all divided by 1.414."""
    rng = np.random.default_rng(seed)
    centres = eight_gaussian_centres() * 1.414  # before normalization
    pts = centres[rng.integers(0, 8, n)] + 0.02 * rng.standard_normal((n, 2))
    return torch.from_numpy((pts / 1.414).astype(np.float32))


def grid_centres() -> np.ndarray:
    """Centres of ``25gaussians`` after normalization: {-4,-2,0,2,4}^2 / 2.828."""
    g = np.arange(-2, 3) * 2.0
    return np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2) / 2.828


def twenty_five_gaussians(n: int, seed: int) -> torch.Tensor:
    """5x5 grid on {-4,-2,0,2,4}, sigma 0.05, divided by 2.828; modes equally represented."""
    rng = np.random.default_rng(seed)
    centres = grid_centres() * 2.828
    idx = np.resize(np.arange(25), n)  # balanced, as the original loops over the grid
    rng.shuffle(idx)
    pts = centres[idx] + 0.05 * rng.standard_normal((n, 2))
    return torch.from_numpy((pts / 2.828).astype(np.float32))


def swissroll(n: int, seed: int) -> torch.Tensor:
    """scikit-learn's swiss roll, noise 0.25, columns [0, 2], divided by 7.5."""
    from sklearn.datasets import make_swiss_roll

    x, _ = make_swiss_roll(n_samples=n, noise=0.25, random_state=seed)
    return torch.from_numpy((x[:, [0, 2]] / 7.5).astype(np.float32))


def moons(n: int, seed: int) -> torch.Tensor:
    """scikit-learn's two moons, noise 0.05, centred by subtracting (0.5, 0.25)."""
    from sklearn.datasets import make_moons

    x, _ = make_moons(n_samples=n, noise=0.05, random_state=seed)
    return torch.from_numpy((x - np.array([0.5, 0.25])).astype(np.float32))


def pacgan_ring_centres() -> np.ndarray:
    """The published 2D ring (VEEGAN 2017, PacGAN 2018): 8 modes on the circle of radius 1."""
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def pacgan_grid_centres() -> np.ndarray:
    """The published 2D grid (VEEGAN 2017, PacGAN 2018): 25 modes on {-4,-2,0,2,4}^2."""
    g = np.arange(-2, 3) * 2.0
    return np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2)


#: otgan's mixtures as the published ones: the published set's name, its centres, its sigma,
#: and the scale s with (published point) = s * (otgan point), exactly: 8gaussians is the ring of
#: radius 1 and sigma 0.01 scaled by 2 / 1.414, 25gaussians the grid of spacing 2 and sigma 0.05
#: scaled by 1 / 2.828; modes equally likely in both.  Mode coverage is unchanged by the scale
#: (distances and 3 sigma scale together), so otgan's sets measure the published protocol.
PUBLISHED = {
    "8gaussians": ("ring (radius 1, sigma 0.01)", pacgan_ring_centres, 0.01, 1.414 / 2),
    "25gaussians": ("grid ({-4,-2,0,2,4}^2, sigma 0.05)", pacgan_grid_centres, 0.05, 2.828),
}

#: name -> (sampler, mode centres or None, mode sigma or None)
TOY = {
    "ring": (ring, None, None),
    "8gaussians": (eight_gaussians, eight_gaussian_centres, 0.02 / 1.414),
    "25gaussians": (twenty_five_gaussians, grid_centres, 0.05 / 2.828),
    "swissroll": (swissroll, None, None),
    "moons": (moons, None, None),
}

