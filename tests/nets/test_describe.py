"""The layer table of `otgan show`: sizes and parameter counts on known networks."""

import torch

from otgan.nets.conv import DCGANCritic
from otgan.nets.describe import layer_table, parameter_count
from otgan.nets.mlp import MLPGenerator


def test_the_labs_mlp_sizes_and_counts():
    """The lab's generator: latent 2 -> 128 -> 64 -> 2 with ReLU: 2*128+128, 128*64+64, 64*2+2."""
    g = MLPGenerator(2, 2, (128, 64), "relu")
    rows = layer_table(g, torch.zeros(3, 2))
    linear = [r for r in rows if r["type"] == "Linear"]
    assert [r["output"] for r in linear] == [(128,), (64,), (2,)]
    assert [r["params"] for r in linear] == [384, 8256, 130]
    assert sum(r["params"] for r in rows) == parameter_count(g) == 8770


def test_a_batchnorm_critic_is_left_as_it_was():
    d = DCGANCritic((1, 8, 8), norm="batchnorm").train()
    d(torch.randn(8, 1, 8, 8) * 3)  # running statistics away from their initial values
    before = {k: v.clone() for k, v in d.state_dict().items()}
    rows = layer_table(d, torch.randn(2, 1, 8, 8))
    assert d.training
    assert all(torch.equal(before[k], v) for k, v in d.state_dict().items())
    assert rows[0]["output"] == (64, 4, 4) and rows[-1]["output"] == (1,)
    assert sum(r["params"] for r in rows) == parameter_count(d)


def test_a_spectrally_normalized_layer_is_one_row():
    from otgan.config import resolve
    from otgan.methods import make_method
    from otgan.nets.mlp import MLPCritic

    d = make_method(resolve({"method": "sngan"})).prepare_critic(MLPCritic(2, (16,), "relu"))
    rows = layer_table(d, torch.zeros(2, 2))
    assert [r["type"] for r in rows] == ["Linear", "ReLU", "Linear"]
    assert sum(r["params"] for r in rows) == parameter_count(d)
