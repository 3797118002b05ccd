"""K identically shaped MLPs as stacked tensors: one batched matrix product per layer for all.

``FlatParams`` keeps the stacked weights as views into one (K, P) buffer, so that an optimizer
step, a clip or an EMA update is a few kernels over every member and every layer at once.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import parametrize

from ..errors import ConfigError
from ..nets.mlp import ACTIVATIONS, MLP
from ..training.sampler import BatchSampler


class FlatParams:
    """Stacked tensors (K, ...) kept as views into one (K, P) buffer, a member per row.

    A single run's parameters are a handful of small tensors, and every optimizer rule or clip
    is one kernel per tensor; for the ensemble's stacked tensors the per-kernel overhead would
    dominate again.  With every tensor a view into ``flat``, an update, a clip or an EMA step is
    one kernel over all members and all layers, and a per-member hyperparameter is a (K, 1)
    column that broadcasts along the row.  (The views' batch stride is P instead of the matrix
    size; batched matrix products take them at the same speed.)
    """

    def __init__(self, tensors: list[torch.Tensor]):
        self.k = tensors[0].shape[0]
        self.shapes = [t.shape for t in tensors]
        self.flat = torch.cat([t.detach().reshape(self.k, -1) for t in tensors], dim=1)
        self.tensors = [v.requires_grad_(True) for v in self.views(self.flat)]

    def views(self, flat: torch.Tensor) -> list[torch.Tensor]:
        """The stacked tensors of a buffer with this layout (``flat`` or, e.g., an EMA copy)."""
        out, off = [], 0
        for shape in self.shapes:
            n = shape[1:].numel()
            out.append(flat[:, off:off + n].view(shape))
            off += n
        return out

    def grad(self, loss: torch.Tensor) -> torch.Tensor:
        """d loss / d flat, as one (K, P) buffer with the layout of ``flat``."""
        grads = torch.autograd.grad(loss, self.tensors)
        return torch.cat([g.reshape(self.k, -1) for g in grads], dim=1)


def _linears(module: nn.Module) -> list[nn.Linear]:
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def _raw_weight(layer: nn.Linear) -> torch.Tensor:
    """The layer's trained weight: under a parametrization (spectral norm), its original."""
    if parametrize.is_parametrized(layer, "weight"):
        return layer.parametrizations.weight.original
    return layer.weight


class StackedMLP:
    """Weights (K, out, in) and biases (K, out) of K identically shaped MLPs, called on
    (K, N, in) inputs.  ``transform`` (one per layer, or None) maps a stacked weight to the one
    the layer uses, as a method's ``stacked_weight_transform`` gives (spectral normalization)."""

    def __init__(self, mlps: list[nn.Module], activation: str, transform=None):
        for m in mlps:
            if not isinstance(m, MLP):
                raise ConfigError("sweeps train the MLP pair only (arch mlp, vector data)")
        layers = [_linears(m) for m in mlps]
        n = len(layers[0])
        per_layer = [[ls[i] for ls in layers] for i in range(n)]
        weights = [torch.stack([_raw_weight(layer).detach() for layer in ls]) for ls in per_layer]
        biases = [torch.stack([layer.bias.detach() for layer in ls]) for ls in per_layer]
        self.params = FlatParams([t for pair in zip(weights, biases) for t in pair])
        self.weights, self.biases = self.params.tensors[0::2], self.params.tensors[1::2]
        self.transforms = [transform(ls) if transform else None for ls in per_layer]
        self.act = ACTIVATIONS[activation]()

    def parameters(self) -> list[torch.Tensor]:
        """The storage an optimizer step or a projection acts on: the one (K, P) buffer."""
        return [self.params.flat]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """x: (K, N, in) -> (K, N, out)."""
        last = len(self.weights) - 1
        for i, (w, b, t) in enumerate(zip(self.weights, self.biases, self.transforms)):
            w = t(w) if t is not None else w
            x = torch.baddbmm(b.unsqueeze(1), x, w.transpose(1, 2))
            if i < last:
                x = self.act(x)
        return x


class StackedSampler(BatchSampler):
    """K members' batches at once: each member's permutation drawn from its own stream exactly
    when its single run's ``BatchSampler`` draws it (members share the data and batch size, so
    their epochs end together), then one gather for all members."""

    def __init__(self, data: torch.Tensor, batch_size: int, generators: list[torch.Generator]):
        super().__init__(data, batch_size)
        self.generators = generators

    def _permutation(self, n: int) -> torch.Tensor:
        """(K, n): one permutation per member, each from the member's stream."""
        return torch.stack([torch.randperm(n, generator=g) for g in self.generators])

    def _rows(self, idx: torch.Tensor) -> torch.Tensor:
        """(K, batch, ...) real samples (sweeps are not distributed)."""
        return self.data[idx]
