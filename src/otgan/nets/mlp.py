"""Multilayer perceptrons: the lab's generator and critic (hidden 128 and 64, ReLU) by default."""

from __future__ import annotations

from torch import nn

from . import specs

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "softplus": nn.Softplus,
    "silu": nn.SiLU,
    "gelu": nn.GELU,
}
if tuple(ACTIVATIONS) != specs.ACTIVATIONS:  # pragma: no cover - one side edited alone
    raise ImportError("nets/mlp.py and nets/specs.py name different activations")


class MLP(nn.Sequential):
    """in_dim -> hidden[0] -> ... -> hidden[-1] -> out_dim, activation between, linear output."""

    def __init__(self, in_dim: int, out_dim: int, hidden=(128, 64), activation: str = "relu"):
        layers: list[nn.Module] = []
        width = in_dim
        for h in hidden:
            layers += [nn.Linear(width, h), ACTIVATIONS[activation]()]
            width = h
        layers.append(nn.Linear(width, out_dim))
        super().__init__(*layers)
        self.in_dim, self.out_dim = in_dim, out_dim


class MLPGenerator(MLP):
    """Maps z ~ N(0, I_latent_dim) to a point in R^data_dim."""

    def __init__(self, latent_dim: int, data_dim: int, hidden=(128, 64), activation="relu"):
        super().__init__(latent_dim, data_dim, hidden, activation)
        self.latent_dim = latent_dim


class MLPCritic(MLP):
    """Maps a point of R^data_dim to a real score (critic value, or a logit for the GAN)."""

    def __init__(self, data_dim: int, hidden=(128, 64), activation="relu"):
        super().__init__(data_dim, 1, hidden, activation)
