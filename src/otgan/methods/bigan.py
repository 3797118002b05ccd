"""BiGAN (Donahue, Kraehenbuehl, Darrell, ICLR 2017): a generator G, an encoder E and a
discriminator D of (x, z) pairs; and its Wasserstein variant with a gradient penalty on pairs.

The discriminator separates the data pairs (x, E(x)), x ~ data, from the generated pairs
(G(z), z), z ~ p(z); G and E are trained together to fool it.  At the optimum the two joint laws
agree, so E inverts G on the data (E = G^-1 almost everywhere).  Pairs are flat rows
[x, z] (``nets/joint.py``), so the losses are those of points:

  * ``bigan``: D's logit l, D maximizes E log sigma(l(x, E(x))) + E log(1 - sigma(l(G(z), z)))
    (the GAN's loss, ``gan.discriminator_loss``); G and E minimize the non-saturating form with
    the labels swapped, E softplus(l(x, E(x))) + E softplus(-l(G(z), z)) (the reference code's);
    the logged ``js_estimate`` is the JS divergence of the two joint laws, as for the GAN;
  * ``bigan-gp``: a critic of pairs, max E D(x, E(x)) - E D(G(z), z) - lambda E (||grad D|| - 1)^2
    with the gradient over both parts at interpolates of pairs (WGAN-GP in the joint space),
    G and E minimizing E D(x, E(x)) - E D(G(z), z), the joint W1's dual gap.

Both draw a batch of data at each generator update too (E is trained there).
"""

from __future__ import annotations

import torch.nn.functional as F

from ..nets.joint import joint
from .base import Method
from .gan import LOG4, discriminator_loss, discriminator_loss_and_stats
from .penalty import GradientPenalty


def pairs(generator, real, z):
    """((x, E(x)), (G(z), z)) as joint rows, from one call of the (G, E) pair (no data:
    (None, (G(z), z)))."""
    if real is None:
        return None, joint(generator(z), z)
    fake, code = generator(z, real)
    return joint(real, code), joint(fake, z)


class BiGAN(Method):
    name = "bigan"
    progress_key = "js_estimate"
    batchable = False  # the critic reads pairs from an encoder: no stacked ensemble
    bidirectional = True
    generator_draws_real = True

    def critic_inputs(self, generator, real, z):
        return pairs(generator, real, z)

    def critic_loss(self, critic, real, fake, noise=None):
        return discriminator_loss_and_stats(*self.split_scores(critic, real, fake))

    def generator_loss(self, critic, fake, real=None):
        loss = F.softplus(-self.scores(critic, fake)).mean(-1)
        if real is not None:  # the encoder's side: make (x, E(x)) look generated
            loss = loss + F.softplus(self.scores(critic, real)).mean(-1)
        return loss, {}

    def estimate(self, critic, s_real, s_fake):
        return {"js_estimate": float((LOG4 - discriminator_loss(s_real, s_fake)) / 2)}


class BiGANGradientPenalty(GradientPenalty):
    name = "bigan-gp"
    batchable = False
    bidirectional = True
    generator_draws_real = True

    def critic_inputs(self, generator, real, z):
        return pairs(generator, real, z)

    def generator_loss(self, critic, fake, real=None):
        loss = -self.scores(critic, fake).mean(-1)
        if real is not None:
            loss = loss + self.scores(critic, real).mean(-1)
        return loss, {}
