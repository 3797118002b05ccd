"""The stacked EMA equals torch's AveragedModel EMA, member by member."""

import torch

from otgan.training.ema import StackedEMA, make_ema


def test_each_row_follows_torchs_ema():
    torch.manual_seed(0)
    decays = [0.9, 0.99, 0.5]
    nets = [torch.nn.Linear(3, 2) for _ in decays]
    emas = [make_ema(net, d) for net, d in zip(nets, decays)]
    flat = torch.stack([torch.cat([p.detach().flatten() for p in n.parameters()]) for n in nets])
    stacked = StackedEMA(flat, decays)
    for _ in range(10):
        with torch.no_grad():
            for net in nets:
                for p in net.parameters():
                    p.add_(torch.randn_like(p))
        for net, ema in zip(nets, emas):
            ema.update_parameters(net)
        flat = torch.stack([torch.cat([p.detach().flatten() for p in n.parameters()])
                            for n in nets])
        stacked.update(flat)
    for k, ema in enumerate(emas):
        mine = torch.cat([p.detach().flatten() for p in ema.module.parameters()])
        assert torch.allclose(stacked.average[k], mine, atol=1e-6), k


def test_no_decay_no_ema():
    assert make_ema(torch.nn.Linear(2, 2), 0.0) is None
