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


def test_a_batchnorm_critic_scores_real_and_fake_in_passes_of_their_own():
    """With batch statistics, real and fake points must not share a normalization: each side's
    scores are those of the critic on that side alone (in training mode)."""
    from otgan.config import resolve
    from otgan.methods import make_method

    torch.manual_seed(0)
    d = DCGANCritic((1, 8, 8), norm="batchnorm").train()
    real, fake = torch.randn(6, 1, 8, 8), torch.randn(6, 1, 8, 8) + 3
    method = make_method(resolve({"method": "wgan-clip"}))
    s_real, s_fake = method.split_scores(d, real, fake)
    assert torch.allclose(s_real, d(real).squeeze(-1), atol=1e-6)
    assert torch.allclose(s_fake, d(fake).squeeze(-1), atol=1e-6)
    together = d(torch.cat([real, fake])).squeeze(-1)
    assert not torch.allclose(s_real, together[:6], atol=1e-3)  # one pass would mix them
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules()) == 2


def test_weight_clipping_trains_a_batchnorm_critic(tmp_path):
    import otgan

    run = otgan.train(data="digits", method="wgan-clip", d_norm="batchnorm", steps=3,
                      batch_size=16, eval_every=0, metrics="sliced", tensorboard=False,
                      progress=False)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in run.critic.modules())
    assert run.state.step == 3
