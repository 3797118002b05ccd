"""The exponential moving average of the generator's weights, used for sampling.

A run uses torch's ``AveragedModel`` with ``get_ema_multi_avg_fn`` (the first update copies the
weights, each later one moves the average by ``1 - decay`` towards them).  ``StackedEMA`` is the
same rule for a sweep's (K, P) buffer of member weights, each member with its own decay
(``tests/training/test_ema.py`` checks that the two agree).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn


def make_ema(generator: nn.Module, decay: float) -> AveragedModel | None:
    if decay <= 0:
        return None
    return AveragedModel(generator, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)


class StackedEMA:
    """EMA of a (K, P) buffer with one decay per row; None where no member averages."""

    def __init__(self, flat: torch.Tensor, decays):
        self.decay = torch.as_tensor(decays, dtype=torch.float32).reshape(-1)
        self.weight = (1 - self.decay).reshape(-1, 1)
        self.average = flat.detach().clone()
        self.started = False

    @torch.no_grad()
    def update(self, flat: torch.Tensor) -> None:
        if self.started:
            self.average.lerp_(flat, self.weight)
        else:
            self.average.copy_(flat)
            self.started = True

    def state_dict(self) -> dict:
        return {"average": self.average, "started": self.started}

    @torch.no_grad()
    def load_state_dict(self, sd: dict) -> None:
        self.average.copy_(sd["average"])
        self.started = bool(sd["started"])
