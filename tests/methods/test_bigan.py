"""BiGAN and its Wasserstein variant: the encoder's gradients on closed-form discriminators, and
an encoder trained against a fixed linear generator converging to the generator's inverse."""

import pytest
import torch
from torch import nn

import otgan
from otgan.nets import Bidirectional, MLPJointCritic
from otgan.nets.joint import joint
from tests.methods.helpers import method


class PairCritic(nn.Module):
    """D(x, z) = b . z on joint rows [x, z] (x in R^2): it reads the code alone."""

    def __init__(self, b):
        super().__init__()
        self.b = torch.as_tensor(b, dtype=torch.float64)

    def forward(self, v):
        return (v[:, 2:] @ self.b).unsqueeze(1)


def _pair(w):
    G = nn.Linear(2, 2, bias=False).double()
    E = nn.Linear(2, 2, bias=False).double()
    with torch.no_grad():
        G.weight.copy_(torch.eye(2))
        E.weight.copy_(torch.tensor(w, dtype=torch.float64))
    return Bidirectional(G, E)


def _batch():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 2, generator=g, dtype=torch.float64) + torch.tensor([1.0, 2.0],
                                                                           dtype=torch.float64)
    z = torch.randn(32, 2, generator=g, dtype=torch.float64)
    return x, z


def test_pairs_are_data_with_codes_and_samples_with_their_latents():
    m = method("bigan")
    pair = _pair([[2.0, 0.0], [0.0, 3.0]])
    x, z = _batch()
    real, fake = m.critic_inputs(pair, x, z)
    assert torch.equal(real, torch.cat([x, x * torch.tensor([2.0, 3.0], dtype=x.dtype)], 1))
    assert torch.equal(fake, torch.cat([z, z], 1))  # G = identity


def test_wasserstein_encoder_gradient_is_b_times_mean_x():
    # loss_GE = E D(x, E(x)) - E D(G(z), z) with D = b . z and E(x) = W x: its gradient in W
    # is b mean(x)^T, so a descent step lowers D on the data pairs
    m = method("bigan-gp")
    pair, b = _pair([[0.5, -0.2], [0.1, 0.3]]), [1.0, -2.0]
    x, z = _batch()
    real, fake = m.critic_inputs(pair, x, z)
    loss, _ = m.generator_loss(PairCritic(b), fake, real)
    (g,) = torch.autograd.grad(loss, pair.encoder.weight)
    expected = torch.outer(torch.tensor(b, dtype=torch.float64), x.mean(0))
    assert torch.allclose(g, expected, atol=1e-12)


def test_bce_encoder_gradient_is_the_sigmoid_weighted_mean():
    # loss_GE = E softplus(l(x, E(x))) + E softplus(-l(G(z), z)); d softplus(b.Wx)/dW =
    # sigmoid(b.Wx) b x^T: positive weights, so the step lowers the logit of every data pair
    m = method("bigan")
    pair, b = _pair([[0.5, -0.2], [0.1, 0.3]]), torch.tensor([1.0, -2.0], dtype=torch.float64)
    x, z = _batch()
    real, fake = m.critic_inputs(pair, x, z)
    loss, _ = m.generator_loss(PairCritic(b), fake, real)
    (g,) = torch.autograd.grad(loss, pair.encoder.weight)
    s = torch.sigmoid(x @ pair.encoder.weight.detach().T @ b)
    expected = torch.outer(b, (s[:, None] * x).mean(0))
    assert torch.allclose(g, expected, atol=1e-12)
    # one descent step lowers the discriminator's mean logit on data pairs
    with torch.no_grad():
        pair.encoder.weight -= 0.1 * g
        after = PairCritic(b)(m.critic_inputs(pair, x, z)[0]).mean()
    assert float(after) < float(PairCritic(b)(real.detach()).mean())


def test_discriminator_loss_of_pairs_is_the_gan_loss():
    # D's loss on pairs: E softplus(-l_real) + E softplus(l_fake); with l = 0 it is 2 log 2
    m = method("bigan")
    real, fake = torch.zeros(8, 4), torch.ones(8, 4)
    loss, stats = m.critic_loss(PairCritic([0.0, 0.0]), real.double(), fake.double())
    assert float(loss) == pytest.approx(2 * torch.log(torch.tensor(2.0)).item(), abs=1e-7)
    assert float(stats["js_estimate"]) == pytest.approx(0.0, abs=1e-7)


class FixedLinear(nn.Module):
    """G(z) = A z + c, frozen."""

    def __init__(self, A, c):
        super().__init__()
        self.register_buffer("A", A)
        self.register_buffer("c", c)
        self.latent_dim = 2

    def forward(self, z):
        return z @ self.A.T + self.c


@pytest.mark.parametrize("name,batch", [("bigan-gp", 256), ("bigan", 64)])
def test_encoder_converges_to_the_inverse_of_a_linear_generator(name, batch):
    # Data x = A z + c, z ~ N(0, I), and G fixed to exactly that map: the joint laws of
    # (x, E(x)) and (G(z), z) agree iff E(x) = A^-1 (x - c).  A linear encoder trained with
    # the method's losses (1000 updates, Adam 2e-3) reaches it: every entry of E's weight and
    # bias within 0.05 of A^-1 and -A^-1 c (measured: largest error 0.024 (bigan-gp), 0.009
    # (bigan)).
    A = torch.tensor([[1.5, 0.5], [-0.5, 1.0]])
    c = torch.tensor([0.5, -1.0])
    g = torch.Generator().manual_seed(1)
    data = torch.randn(20000, 2, generator=g) @ A.T + c
    torch.manual_seed(0)
    E = nn.Linear(2, 2)
    critic = MLPJointCritic((2,), 2, (64, 64))
    run = otgan.train(data=data, generator=Bidirectional(FixedLinear(A, c), E), critic=critic,
                      method=name, latent_dim=2, steps=1000, n_critic=1, batch_size=batch,
                      lr_g=2e-3, lr_d=2e-3, ema=0.0, eval_every=0, metrics="w1",
                      progress=False)
    inverse = torch.linalg.inv(A)
    E = run.generator.encoder
    assert torch.allclose(E.weight.detach(), inverse, atol=0.05), E.weight
    assert torch.allclose(E.bias.detach(), -inverse @ c, atol=0.05), E.bias
    # the Run's encode is this encoder, in data coordinates
    x = data[:5].numpy()
    assert torch.allclose(torch.from_numpy(run.encode(x)), E(data[:5]).detach(), atol=1e-6)


def test_joint_rows_flatten_images_and_append_codes():
    x = torch.arange(2 * 1 * 2 * 2, dtype=torch.float32).reshape(2, 1, 2, 2)
    z = torch.tensor([[9.0], [8.0]])
    v = joint(x, z)
    assert v.shape == (2, 5) and v[0].tolist() == [0, 1, 2, 3, 9] and v[1, -1] == 8


def test_a_critic_of_pairs_is_not_trained_alone():
    from otgan.errors import ConfigError

    with pytest.raises(ConfigError, match="reads \\(x, z\\) pairs"):
        otgan.fit_critic("ring", "ring", method="bigan", steps=2, shift=(0.5, 0), n_train=500,
                         n_test=500)
