import pytest
import torch

from otgan.nets.conv import DCGANCritic, DCGANGenerator


def test_dcgan_pair_matches_the_mnist_notebook():
    g, d = DCGANGenerator(128, (1, 28, 28)), DCGANCritic((1, 28, 28))
    x = g(torch.randn(3, 128))
    assert x.shape == (3, 1, 28, 28)
    assert d(x).shape == (3, 1)
    assert g.linear.out_features == 128 * 7 * 7  # seed 003: linear to 128 x 7 x 7
    assert d.body[-1].in_features == 3136  # seed 003: linear 3136 -> 1
    n_params = sum(p.numel() for p in d.parameters())
    assert n_params == (16 * 64 + 64) + (16 * 64 * 64 + 64) + (3136 + 1)


def test_layernorm_critic_is_per_sample():
    d = DCGANCritic((1, 8, 8), norm="layernorm")
    x = torch.randn(4, 1, 8, 8)
    alone = d(x[:1])
    together = d(x)[:1]
    assert torch.allclose(alone, together, atol=1e-6)  # no batch statistics


def test_sides_must_divide_by_four():
    with pytest.raises(ValueError, match="divisible by 4"):
        DCGANGenerator(8, (1, 10, 10))


def test_batchnorm_critic_refused_for_penalties():
    import otgan
    from otgan.errors import ConfigError

    with pytest.raises(ConfigError):
        otgan.train(data="digits", method="wgan-gp", d_norm="batchnorm", steps=1)
