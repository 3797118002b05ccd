"""DCGAN-style convolutional pair for images (the course notebook "Generative Adversarial
Networks", on MNIST).

Generator: linear to ``width`` x H/4 x W/4 (LeakyReLU 0.2), two stride-2 transposed convolutions
(4x4, LeakyReLU 0.2), a 3x3 convolution to C channels, tanh.  For 28 x 28 MNIST with width 128
this is exactly the notebook's generator.  ``norm = "batchnorm"`` adds BatchNorm after the linear
layer and each transposed convolution.

Critic: two stride-2 convolutions (4x4, 64 channels, LeakyReLU 0.2) and a linear layer to one
score, exactly the notebook's discriminator without its sigmoid (otgan's GAN losses take logits).
``norm = "layernorm"`` adds LayerNorm after each convolution: per-sample, so it keeps gradient
penalties valid; ``norm = "batchnorm"`` adds BatchNorm (the WGAN vs WGAN-GP post's critic for
weight clipping), which otgan refuses in a penalized critic: it mixes the samples of a batch.
"""

from __future__ import annotations

from torch import nn

SLOPE = 0.2


def _check_size(shape: tuple) -> None:
    c, h, w = shape
    if h % 4 or w % 4:
        raise ValueError(f"the DCGAN pair needs image sides divisible by 4, got {h} x {w}")


class DCGANGenerator(nn.Module):
    def __init__(self, latent_dim: int, shape: tuple, width: int = 128, norm: str = "none"):
        super().__init__()
        _check_size(shape)
        c, h, w = shape
        self.latent_dim, self.start = latent_dim, (width, h // 4, w // 4)
        bn = (lambda n: nn.BatchNorm2d(n)) if norm == "batchnorm" else (lambda n: nn.Identity())
        self.linear = nn.Linear(latent_dim, width * (h // 4) * (w // 4))
        self.body = nn.Sequential(
            bn(width), nn.LeakyReLU(SLOPE),
            nn.ConvTranspose2d(width, width, 4, 2, 1), bn(width), nn.LeakyReLU(SLOPE),
            nn.ConvTranspose2d(width, width, 4, 2, 1), bn(width), nn.LeakyReLU(SLOPE),
            nn.Conv2d(width, c, 3, padding=1), nn.Tanh())

    def forward(self, z):
        return self.body(self.linear(z).view(-1, *self.start))


class DCGANCritic(nn.Module):
    def __init__(self, shape: tuple, width: int = 64, norm: str = "none"):
        super().__init__()
        _check_size(shape)
        c, h, w = shape
        def ln(s):  # the normalization after a convolution whose output has shape s
            return (nn.LayerNorm(s) if norm == "layernorm" else nn.BatchNorm2d(s[0])
                    if norm == "batchnorm" else nn.Identity())

        self.body = nn.Sequential(
            nn.Conv2d(c, width, 4, 2, 1), ln([width, h // 2, w // 2]), nn.LeakyReLU(SLOPE),
            nn.Conv2d(width, width, 4, 2, 1), ln([width, h // 4, w // 4]), nn.LeakyReLU(SLOPE),
            nn.Flatten(), nn.Linear(width * (h // 4) * (w // 4), 1))

    def forward(self, x):
        return self.body(x)
