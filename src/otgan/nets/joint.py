"""Critics of (x, z) pairs (BiGAN's discriminator) and the joint tensors they read.

A pair is one flat row ``[x.flatten(), z]`` of length prod(data_shape) + latent_dim (``joint``):
then the training loop, the gradient penalty (interpolates of pairs, the gradient with respect
to both parts) and the gradient diagnostics treat pairs exactly as points.

  * ``MLPJointCritic``: the MLP critic on the concatenation;
  * ``DCGANJointCritic``: the DCGAN critic's convolutions on x, a linear layer (LeakyReLU) on z,
    their features concatenated, then a hidden layer and the score (BiGAN's D(x, z)).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .conv import SLOPE, _check_size
from .mlp import MLPCritic


def joint(x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Pairs (x_i, z_i) as rows [x_i.flatten(), z_i], shape (n, prod(x.shape[1:]) + k)."""
    return torch.cat([x.flatten(1), z.to(x.dtype)], 1)


def split_joint(v: torch.Tensor, data_shape: tuple) -> tuple[torch.Tensor, torch.Tensor]:
    """The (x, z) parts of joint rows, x reshaped to ``data_shape``."""
    d = math.prod(data_shape)
    return v[:, :d].reshape(-1, *data_shape), v[:, d:]


class MLPJointCritic(MLPCritic):
    """D(x, z): an MLP on the joint rows (points and flattened images alike)."""

    def __init__(self, data_shape: tuple, latent_dim: int, hidden=(128, 64), activation="relu"):
        super().__init__(math.prod(data_shape) + latent_dim, hidden, activation)
        self.data_shape, self.latent_dim = tuple(data_shape), latent_dim


class DCGANJointCritic(nn.Module):
    """D(x, z) for images: convolutional features of x and linear features of z, joined."""

    def __init__(self, data_shape: tuple, latent_dim: int, width: int = 64, hidden: int = 512):
        super().__init__()
        _check_size(data_shape)
        c, h, w = data_shape
        self.data_shape, self.latent_dim = tuple(data_shape), latent_dim
        self.x_net = nn.Sequential(
            nn.Conv2d(c, width, 4, 2, 1), nn.LeakyReLU(SLOPE),
            nn.Conv2d(width, width, 4, 2, 1), nn.LeakyReLU(SLOPE), nn.Flatten())
        self.z_net = nn.Sequential(nn.Linear(latent_dim, hidden), nn.LeakyReLU(SLOPE))
        self.head = nn.Sequential(
            nn.Linear(width * (h // 4) * (w // 4) + hidden, hidden), nn.LeakyReLU(SLOPE),
            nn.Linear(hidden, 1))

    def forward(self, v):
        x, z = split_joint(v, self.data_shape)
        return self.head(torch.cat([self.x_net(x), self.z_net(z)], 1))
