"""Access to the latent space: an encoder E: x -> z beside the generator G: z -> x (BiGAN).

``Bidirectional`` holds the pair and is what a BiGAN run trains as its generator: ``forward(z)``
is G(z), so sampling, the EMA copy and checkpoints treat it as any generator, and
``forward(z, x)`` returns (G(z), E(x)) in one call (the one call a DistributedDataParallel
wrapper allows).  ``encode(x)`` is E(x).  Both networks share one optimizer and one EMA.

Encoders mirror the generators: the MLP encoder is an MLP from the flattened data to the latent
code through the generator's hidden widths in reverse order; the DCGAN encoder is the DCGAN
critic's two stride-2 convolutions followed by a linear layer to the latent code.
"""

from __future__ import annotations

from torch import nn

from .conv import SLOPE, _check_size
from .mlp import MLP


class MLPEncoder(nn.Module):
    """x (points (n, d) or images (n, C, H, W), flattened) -> z (n, latent_dim)."""

    def __init__(self, data_dim: int, latent_dim: int, hidden=(64, 128), activation="relu"):
        super().__init__()
        self.mlp = MLP(data_dim, latent_dim, hidden, activation)
        self.latent_dim = latent_dim

    def forward(self, x):
        return self.mlp(x.flatten(1))


class DCGANEncoder(nn.Module):
    """Two stride-2 4x4 convolutions (LeakyReLU 0.2), then a linear layer to the latent code."""

    def __init__(self, shape: tuple, latent_dim: int, width: int = 64):
        super().__init__()
        _check_size(shape)
        c, h, w = shape
        self.latent_dim = latent_dim
        self.body = nn.Sequential(
            nn.Conv2d(c, width, 4, 2, 1), nn.LeakyReLU(SLOPE),
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.LeakyReLU(SLOPE),
            nn.Flatten(), nn.Linear(2 * width * (h // 4) * (w // 4), latent_dim))

    def forward(self, x):
        return self.body(x)


class Bidirectional(nn.Module):
    """A generator and an encoder trained together: G(z) by default, (G(z), E(x)) with x."""

    def __init__(self, generator: nn.Module, encoder: nn.Module):
        super().__init__()
        self.generator, self.encoder = generator, encoder
        self.latent_dim = getattr(generator, "latent_dim", None)

    def forward(self, z, x=None):
        if x is None:
            return self.generator(z)
        return self.generator(z), self.encoder(x)

    def encode(self, x):
        return self.encoder(x)


def has_encoder(generator: nn.Module) -> bool:
    """Whether a generator module carries an encoder (``encode``)."""
    return callable(getattr(generator, "encode", None))
