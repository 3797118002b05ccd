"""The vanilla GAN (Goodfellow et al. 2014): binary cross-entropy, no Lipschitz constraint.

The discriminator outputs a logit l; D = sigmoid(l).  It maximizes
V = E[log D(real)] + E[log(1 - D(fake))], so its loss is -V = E[softplus(-l_real)] +
E[softplus(l_fake)].  With the optimal discriminator V = 2 JS - log 4, hence the logged estimate
JS ~ (V + log 4) / 2, which saturates at log 2 when supports are disjoint.

Generator losses:
  * ``gan`` (saturating minimax):   minimize E[log(1 - D(fake))] = -E[softplus(l_fake)];
  * ``gan-ns`` (non-saturating):    minimize -E[log D(fake)]     =  E[softplus(-l_fake)].
"""

import math

import torch.nn.functional as F

from .base import Method

LOG4 = math.log(4.0)


def discriminator_loss(l_real, l_fake):
    """-V = E[softplus(-l_real)] + E[softplus(l_fake)] over the last (sample) axis."""
    return F.softplus(-l_real).mean(-1) + F.softplus(l_fake).mean(-1)


def discriminator_loss_and_stats(l_real, l_fake):
    """(-V, its statistics: mean logits and the JS estimate (V + log 4) / 2)."""
    loss = discriminator_loss(l_real, l_fake)
    return loss, {"d_real": l_real.mean(-1).detach(), "d_fake": l_fake.mean(-1).detach(),
                  "js_estimate": (LOG4 - loss.detach()) / 2}


class GAN(Method):
    name = "gan"
    progress_key = "js_estimate"
    saturating = True

    def critic_loss(self, critic, real, fake, noise=None):
        return discriminator_loss_and_stats(*self.split_scores(critic, real, fake))

    def generator_loss(self, critic, fake, real=None):
        logits = self.scores(critic, fake)
        if self.saturating:
            return -F.softplus(logits).mean(-1), {}
        return F.softplus(-logits).mean(-1), {}

    def estimate(self, critic, s_real, s_fake):
        return {"js_estimate": float((LOG4 - discriminator_loss(s_real, s_fake)) / 2)}


class NonSaturatingGAN(GAN):
    name = "gan-ns"
    saturating = False
