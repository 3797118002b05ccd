"""Least-squares GAN (Mao et al. 2017, arXiv 1611.04076), one of the four objectives of the
WGAN-GP paper's architecture comparison.

The discriminator regresses real scores to b and fake scores to a,

    D minimizes 1/2 E[(D(real) - b)^2] + 1/2 E[(D(fake) - a)^2],
    G minimizes 1/2 E[(D(fake) - c)^2],

with (a, b, c) = (-1, 1, 0) (the paper's choice when b - c = 1 and b - a = 2, under which G
minimizes a Pearson chi^2 divergence) or (0, 1, 1) (fakes pushed to the real label; otgan's
default, measured).  No Lipschitz constraint.

What its number estimates: at the optimum D* = (b p + a q) / (p + q) the discriminator loss is
(b - a)^2 / 2 * int p q / (p + q), so 1 - 4 L_D / (b - a)^2 estimates the Le Cam divergence
LC(p, q) = 1/2 int (p - q)^2 / (p + q), 0 for equal laws and 1 for disjoint supports; a
discriminator short of the optimum gives a lower value (the estimate is a lower bound).
"""

from .base import Method


def least_squares_loss(d_real, d_fake, a: float, b: float):
    """1/2 E[(D(real) - b)^2] + 1/2 E[(D(fake) - a)^2] over the last (sample) axis."""
    return 0.5 * ((d_real - b) ** 2).mean(-1) + 0.5 * ((d_fake - a) ** 2).mean(-1)


class LeastSquaresGAN(Method):
    name = "lsgan"
    progress_key = "lc_estimate"

    def _le_cam(self, loss):
        return 1 - 4 * loss / (self.cfg.ls_b - self.cfg.ls_a) ** 2

    def critic_loss(self, critic, real, fake, noise=None):
        d_real, d_fake = self.split_scores(critic, real, fake)
        loss = least_squares_loss(d_real, d_fake, self.cfg.ls_a, self.cfg.ls_b)
        stats = {"d_real": d_real.mean(-1).detach(), "d_fake": d_fake.mean(-1).detach(),
                 "lc_estimate": self._le_cam(loss.detach())}
        return loss, stats

    def generator_loss(self, critic, fake, real=None):
        return 0.5 * ((self.scores(critic, fake) - self.cfg.ls_c) ** 2).mean(-1), {}

    def estimate(self, critic, s_real, s_fake):
        loss = least_squares_loss(s_real, s_fake, self.cfg.ls_a, self.cfg.ls_b)
        return {"lc_estimate": float(self._le_cam(loss))}
