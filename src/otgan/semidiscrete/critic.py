"""The semi-discrete critic: the c-transform of a dual vector psi over the data points.

Sign convention (as for every otgan critic): the module returns D(x) = -psi^c(x), the
Kantorovich potential on the data side, which is high near the data.  Then

    H(psi) = E_mu[psi^c(x)] + sum_j nu_j psi_j = sum_j nu_j psi_j - E_mu[D(x)],

the generator minimizes E[psi^c(g(z))] = -E[D(g(z))] exactly as with a neural critic, and
for the W1 cost ||grad D|| = 1 almost everywhere (the course's remark that justifies the gradient
penalty); for the W2 cost ||grad D(x)|| = 2 ||x - T(x)||.
"""

from __future__ import annotations

import torch
from torch import nn

from .ctransform import CHUNK, COSTS, assign, c_transform


class SemiDiscreteCritic(nn.Module):
    def __init__(self, targets: torch.Tensor, weights: torch.Tensor | None = None,
                 cost: str = "sqeuclidean", eps: float = 0.0, chunk: int = CHUNK,
                 persistent_targets: bool = False):
        super().__init__()
        if cost not in COSTS:
            raise ValueError(f"cost must be one of {COSTS}, got {cost!r}")
        y = targets.detach().reshape(targets.shape[0], -1)
        y = y if y.is_floating_point() else y.float()
        j = y.shape[0]
        nu = torch.full((j,), 1.0 / j) if weights is None else torch.as_tensor(weights).float()
        if nu.shape != (j,) or (nu < 0).any() or abs(float(nu.sum()) - 1.0) > 1e-4:
            raise ValueError(f"weights must be {j} non-negative numbers summing to 1")
        self.cost, self.eps, self.chunk = cost, float(eps), int(chunk)
        # targets are data, rebuilt from the dataset: not saved in checkpoints, unless they are
        # not the data's (``persistent_targets``: AE-OT's codes), then ||y||^2 follows a load
        self.register_buffer("y", y, persistent=persistent_targets)
        self.register_buffer("y_sq", (y * y).sum(1), persistent=False)
        if persistent_targets:
            self.register_load_state_dict_post_hook(_refresh_norms)
        self.register_buffer("nu", nu.to(y), persistent=False)
        self.psi = nn.Parameter(torch.zeros(j, dtype=y.dtype))
        #: running average of psi, maintained by AveragedSGD (the iterate that is reported)
        self.register_buffer("psi_avg", torch.zeros(j, dtype=y.dtype))

    @property
    def n_targets(self) -> int:
        return self.y.shape[0]

    def c_transform(self, x: torch.Tensor, averaged: bool = False) -> torch.Tensor:
        psi = self.psi_avg if averaged else self.psi
        return c_transform(x, self.y, psi, self.nu, cost=self.cost, eps=self.eps, y_sq=self.y_sq,
                           chunk=self.chunk)

    def forward(self, x: torch.Tensor, averaged: bool = False) -> torch.Tensor:
        """D(x) = -psi^c(x), shape (B, 1)."""
        return -self.c_transform(x, averaged).unsqueeze(1)

    def dual(self, x: torch.Tensor, averaged: bool = False) -> torch.Tensor:
        """H(psi) estimated on the batch x ~ mu: mean psi^c(x) + sum_j nu_j psi_j."""
        psi = self.psi_avg if averaged else self.psi
        return self.c_transform(x, averaged).mean() + (self.nu * psi).sum()

    @torch.no_grad()
    def assign(self, x: torch.Tensor, averaged: bool = True) -> torch.Tensor:
        """Index of the Laguerre cell containing each x (hard assignment)."""
        psi = self.psi_avg if averaged else self.psi
        x = x.reshape(x.shape[0], -1).to(self.y.dtype)
        with torch.autocast(x.device.type, enabled=False):  # never in bf16: runtime.precision
            return assign(x, self.y, psi, cost=self.cost, y_sq=self.y_sq, chunk=self.chunk)[1]

    @torch.no_grad()
    def cell_masses(self, x: torch.Tensor, averaged: bool = True) -> torch.Tensor:
        """Fraction of the points x in each cell: an estimate of mu(L_j)."""
        idx = self.assign(x, averaged)
        return torch.bincount(idx, minlength=self.n_targets).float() / x.shape[0]


def _refresh_norms(module: SemiDiscreteCritic, incompatible) -> None:
    with torch.no_grad():
        module.y_sq.copy_((module.y * module.y).sum(1))
