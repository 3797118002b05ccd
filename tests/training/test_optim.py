"""The batched optimizer rules equal torch.optim's on every member's row."""

import pytest
import torch

from otgan.training.optim import StackedOptimizer


@pytest.mark.parametrize("kind", ["adam", "rmsprop", "sgd"])
def test_each_row_follows_torch_optim(kind):
    g = torch.Generator().manual_seed(0)
    k, p = 3, 7
    start = torch.randn(k, p, generator=g)
    lrs, b1s, b2s = [1e-3, 5e-3, 2e-2], [0.0, 0.5, 0.9], [0.9, 0.99, 0.999]
    flat = start.clone()
    stacked = StackedOptimizer(flat, kind, lrs, b1s, b2s)
    singles, opts = [], []
    for i in range(k):
        t = torch.nn.Parameter(start[i].clone())
        singles.append(t)
        opts.append({"adam": lambda: torch.optim.Adam([t], lr=lrs[i], betas=(b1s[i], b2s[i])),
                     "rmsprop": lambda: torch.optim.RMSprop([t], lr=lrs[i]),
                     "sgd": lambda: torch.optim.SGD([t], lr=lrs[i])}[kind]())
    for step in range(25):
        grad = torch.randn(k, p, generator=g) * (1 + step % 3)
        stacked.step(grad)
        for i, (t, opt) in enumerate(zip(singles, opts)):
            t.grad = grad[i].clone()
            opt.step()
    for i, t in enumerate(singles):
        err = float((flat[i] - t.detach()).abs().max())
        assert err < 2e-6, (i, err)  # float32 rounding of a different order of operations


def test_unknown_optimizer_is_refused():
    from otgan.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown optimizer 'adamw'"):
        StackedOptimizer(torch.zeros(2, 3), "adamw", [1e-3, 1e-3])
