"""Input gradients of a critic, the building block of the slope and Lipschitz diagnostics."""

from __future__ import annotations

import torch


def input_gradient_norms(critic, x: torch.Tensor, chunk: int = 65536) -> torch.Tensor:
    """||grad_x D(x)|| for every row of ``x`` (critic in its current mode, no graph kept)."""
    out = []
    for i in range(0, x.shape[0], chunk):
        xi = x[i:i + chunk].detach().requires_grad_(True)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(critic(xi).sum(), xi)
        out.append(torch.linalg.vector_norm(g.flatten(1), dim=1))
    return torch.cat(out)
