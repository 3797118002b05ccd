"""The generator and critic a config names: MLPs for points and images, the DCGAN pair for
images; for BiGAN, a (G, E) pair and a critic of (x, z) pairs."""

from __future__ import annotations

import math

from torch import nn

from ..errors import ConfigError
from .conv import DCGANCritic, DCGANGenerator
from .encoder import Bidirectional, DCGANEncoder, MLPEncoder
from .joint import DCGANJointCritic, MLPJointCritic
from .mlp import MLPCritic, MLPGenerator

#: latent dimension when ``latent_dim = 0`` (auto): the lab's 2 for points, the
#: course's GAN notebook's 128 for images
AUTO_LATENT = {"points": 2, "images": 128}


def resolve_arch(cfg, data_shape: tuple) -> str:
    if cfg.arch != "auto":
        return cfg.arch
    return "dcgan" if len(data_shape) == 3 else "mlp"


def build_networks(cfg, data_shape: tuple, bidirectional: bool = False):
    """The generator and critic named by ``cfg`` for data of shape ``data_shape``.

    ``bidirectional`` (BiGAN): the generator is a ``Bidirectional`` (G, E) pair with the
    encoder matching G, and the critic reads (x, z) pairs (``nets/joint.py``)."""
    images = len(data_shape) == 3
    latent = latent_size(cfg, data_shape)
    arch = resolve_arch(cfg, data_shape)
    if arch == "dcgan":
        if not images:
            raise ConfigError(f"arch dcgan needs images (N, C, H, W); the data has shape "
                              f"{data_shape}")
        try:
            g = DCGANGenerator(latent, data_shape, norm=cfg.g_norm)
            if bidirectional:
                return (Bidirectional(g, build_encoder(cfg, data_shape)),
                        DCGANJointCritic(data_shape, latent))
            return g, DCGANCritic(data_shape, norm=cfg.d_norm)
        except ValueError as e:
            raise ConfigError(f"arch dcgan: {e}") from None
    if cfg.g_norm != "none" or cfg.d_norm != "none":
        raise ConfigError("g_norm/d_norm apply to arch dcgan; the MLP pair has no normalization")
    dim = math.prod(data_shape)
    g = MLPGenerator(latent, dim, cfg.g_hidden, cfg.activation)
    if bidirectional:
        d = MLPJointCritic(data_shape, latent, cfg.d_hidden, cfg.activation)
    else:
        d = MLPCritic(dim, cfg.d_hidden, cfg.activation)
    if images:  # flatten the critic's input, shape the generator's output
        g = _Shaped(g, nn.Unflatten(1, data_shape), tanh=True)
        if not bidirectional:  # the joint critic reads flat rows already
            d = _Shaped(d, nn.Flatten(), first=True)
    if bidirectional:
        return Bidirectional(g, build_encoder(cfg, data_shape)), d
    return g, d


def latent_size(cfg, data_shape: tuple) -> int:
    """The latent dimension ``cfg`` gives for data of shape ``data_shape`` (0: ``AUTO_LATENT``)."""
    return cfg.latent_dim or AUTO_LATENT["images" if len(data_shape) == 3 else "points"]


def build_encoder(cfg, data_shape: tuple) -> nn.Module:
    """The encoder x -> z matching the generator ``cfg`` names (``nets/encoder.py``)."""
    latent = latent_size(cfg, data_shape)
    if resolve_arch(cfg, data_shape) == "dcgan":
        return DCGANEncoder(data_shape, latent)
    return MLPEncoder(math.prod(data_shape), latent, tuple(reversed(cfg.g_hidden)),
                      cfg.activation)


class _Shaped(nn.Module):
    """An MLP on images: flatten before it (critic) or unflatten and tanh after it (generator)."""

    def __init__(self, mlp: nn.Module, reshape: nn.Module, first: bool = False,
                 tanh: bool = False):
        super().__init__()
        self.mlp, self.reshape, self.first, self.tanh = mlp, reshape, first, tanh
        if hasattr(mlp, "latent_dim"):
            self.latent_dim = mlp.latent_dim

    def forward(self, x):
        if self.first:
            return self.mlp(self.reshape(x))
        out = self.reshape(self.mlp(x))
        return out.tanh() if self.tanh else out

