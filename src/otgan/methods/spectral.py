"""SN-GAN (Miyato et al. 2018): spectral normalization of every critic layer.

Each Linear/Conv weight W is replaced by W / sigma(W), sigma estimated by one power iteration per
forward pass in training mode (torch.nn.utils.parametrizations.spectral_norm).  With 1-Lipschitz
activations the whole critic is then at most 1-Lipschitz.  The loss is the Wasserstein one, or the
hinge loss E[relu(1 - D(real))] + E[relu(1 + D(fake))] with ``sn_loss = hinge``.

``StackedSpectralNorm`` is the same parametrization for K stacked member layers of a batched
ensemble (torch's works on one weight at a time); ``tests/methods/test_spectral.py`` checks that
the two agree.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .base import Wasserstein


NORMALIZED_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d)


def spectrally_normalize(module: nn.Module) -> nn.Module:
    """Register spectral normalization on every Linear/Conv layer of ``module`` (in place)."""
    for layer in list(module.modules()):
        if isinstance(layer, NORMALIZED_LAYERS) and not hasattr(layer, "parametrizations"):
            spectral_norm(layer)
    return module


class StackedSpectralNorm:
    """torch's spectral_norm, in training mode, for K stacked (K, out, in) Linear weights.

    Built from the K member layers (each already parametrized by ``spectrally_normalize``): it
    starts from their power-iteration vectors u, v and, like torch, runs one power iteration per
    call before dividing by sigma = u . W v.
    """

    def __init__(self, layers: list[nn.Module]):
        pns = [layer.parametrizations.weight[0] for layer in layers]
        self.u = torch.stack([p._u for p in pns]).clone()
        self.v = torch.stack([p._v for p in pns]).clone()
        self.eps = pns[0].eps

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            self.u = F.normalize(torch.bmm(w, self.v.unsqueeze(2)).squeeze(2), dim=1,
                                 eps=self.eps)
            self.v = F.normalize(torch.bmm(w.transpose(1, 2), self.u.unsqueeze(2)).squeeze(2),
                                 dim=1, eps=self.eps)
        sigma = (self.u * torch.bmm(w, self.v.unsqueeze(2)).squeeze(2)).sum(1)
        return w / sigma[:, None, None]

    def state_dict(self) -> dict:
        return {"u": self.u, "v": self.v}

    def load_state_dict(self, sd: dict) -> None:
        self.u, self.v = sd["u"].clone(), sd["v"].clone()


class SpectralNorm(Wasserstein):
    name = "sngan"

    def prepare_critic(self, critic):
        return spectrally_normalize(critic)

    def stacked_weight_transform(self, layers):
        return StackedSpectralNorm(layers)

    def critic_loss(self, critic, real, fake, noise=None):
        if self.cfg.sn_loss == "wasserstein":
            return super().critic_loss(critic, real, fake)
        d_real, d_fake = self.split_scores(critic, real, fake)
        loss = F.relu(1 - d_real).mean(-1) + F.relu(1 + d_fake).mean(-1)
        m_real, m_fake = d_real.mean(-1).detach(), d_fake.mean(-1).detach()
        return loss, {"d_real": m_real, "d_fake": m_fake, "critic_gap": m_real - m_fake}
