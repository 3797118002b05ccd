"""The non-saturating GAN with the R1 penalty (Mescheder, Geiger, Nowozin, ICML 2018, "Which
training methods for GANs do actually converge?"), the penalty of StyleGAN and R3GAN.

The discriminator's logit l is trained with the GAN's binary cross-entropy plus a penalty on its
input gradient at the data alone,

    E[softplus(-l(real))] + E[softplus(l(fake))] + gamma / 2 * E_data ||grad_x l(x)||^2,

and the generator minimizes the non-saturating E[softplus(-l(fake))].  Where the generator
matches the data, the penalty makes the equilibrium (p_G = p_data, l = const) locally
convergent, which the unregularized GAN and WGAN are not (the paper's Dirac-GAN).  No Lipschitz
constraint: the discriminator is a classifier, and its number estimates JS as the GAN's does
(a lower bound under the penalty).
"""

import torch

from .gan import NonSaturatingGAN, discriminator_loss_and_stats
from .penalty import critic_input_gradients


def r1_penalty(grad: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """E ||grad||^2 over the sample axis ``dim`` (gradients at the data points)."""
    return grad.flatten(dim + 1).square().sum(-1).mean(-1)


class R1GAN(NonSaturatingGAN):
    name = "gan-r1"
    per_sample_critic = True  # the penalty reads each data point's own gradient

    def critic_loss(self, critic, real, fake, noise=None):
        # the gradient-penalty pass, taken at the data points themselves (fp32 under autocast)
        l_real, l_fake, grad = critic_input_gradients(critic, real, fake, real, self.dim)
        penalty = r1_penalty(grad, self.dim)
        loss, stats = discriminator_loss_and_stats(l_real, l_fake)
        stats["r1_penalty"] = penalty.detach()
        return loss + 0.5 * self.cfg.r1_gamma * penalty, stats
