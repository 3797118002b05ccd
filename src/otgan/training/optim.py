"""The networks' optimizers: torch's, for a run; their batched form for a sweep's ensemble.

``StackedOptimizer`` exists because torch's optimizers take one learning rate per parameter
group, while an ensemble's members each have theirs: it applies torch's update rules to a
(K, P) buffer, a member per row, with (K, 1) columns of learning rates and betas, in the same
order of operations as torch's, so that a member ends where its single run ends
(``tests/training/test_optim.py`` checks each rule against torch.optim).
"""

from __future__ import annotations

import torch

from ..errors import ConfigError


def make_optimizer(params, cfg, lr: float, kind: str | None = None) -> torch.optim.Optimizer:
    """The optimizer ``kind`` (default ``cfg.optimizer``), with its multi-tensor implementation.

    PyTorch enables the multi-tensor (``foreach``) path by default only on CUDA; on the CPU the
    per-parameter loop made RMSprop.step cost 0.32 ms for the lab's six-tensor critic, a quarter
    of a critic update.  Adam uses the fused kernel where the installed torch has it.
    """
    params, kind = list(params), kind or cfg.optimizer
    if kind == "adam":
        try:
            return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), fused=True)
        except (RuntimeError, TypeError):  # older torch or an unsupported device
            return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), foreach=True)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, foreach=True)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, foreach=True)
    raise ConfigError(f"optimizer: unknown optimizer {kind!r}")


def column(values, k: int) -> torch.Tensor:
    """Per-member values as a (K, 1) float32 column that broadcasts against a (K, P) buffer."""
    return torch.as_tensor(values, dtype=torch.float32).reshape(k, 1)


class StackedOptimizer:
    """Adam, RMSprop or SGD over a (K, P) buffer, each member (row) with its own lr (and betas),
    following torch.optim's rules with its defaults (Adam: bias-corrected, eps 1e-8; RMSprop:
    alpha 0.99, eps 1e-8; SGD: no momentum).  Each rule is a few kernels over the whole buffer."""

    def __init__(self, flat: torch.Tensor, kind: str, lr, beta1=None, beta2=None):
        k = flat.shape[0]
        self.flat, self.kind, self.t = flat, kind, 0
        self.lr = column(lr, k)
        if kind == "adam":
            self.b1, self.b2 = column(beta1, k), column(beta2, k)
            self.one_minus_b1, self.one_minus_b2 = 1 - self.b1, 1 - self.b2
            self.m = torch.zeros_like(flat)
        elif kind not in ("rmsprop", "sgd"):
            raise ConfigError(f"optimizer: unknown optimizer {kind!r}")
        self.v = torch.zeros_like(flat)

    @torch.no_grad()
    def step(self, grad: torch.Tensor) -> None:
        """One update of every member given ``grad``, the gradient with the buffer's layout."""
        self.t += 1
        flat, g = self.flat, grad
        if self.kind == "sgd":
            flat.sub_(g * self.lr)
        elif self.kind == "rmsprop":
            self.v.mul_(0.99).addcmul_(g, g, value=0.01)
            update = g * self.lr
            update.div_(self.v.sqrt().add_(1e-8))
            flat.sub_(update)
        else:
            self.m.mul_(self.b1).add_(g * self.one_minus_b1)
            self.v.mul_(self.b2).add_(g * self.one_minus_b2 * g)
            bc1, bc2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
            denom = self.v.sqrt().div_(bc2.sqrt()).add_(1e-8)
            update = self.m * (self.lr / bc1)
            update.div_(denom)
            flat.sub_(update)

    def state_dict(self) -> dict:
        return {"t": self.t, "m": getattr(self, "m", None), "v": self.v}

    @torch.no_grad()
    def load_state_dict(self, sd: dict) -> None:
        self.t = int(sd["t"])
        if sd["m"] is not None:
            self.m.copy_(sd["m"])
        self.v.copy_(sd["v"])
