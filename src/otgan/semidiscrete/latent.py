"""Semi-discrete OT in a latent space (AE-OT: An, Guo, Lei, Luo, Yau, Gu, ICLR 2020): the
Brenier map from a continuous latent law to the codes of an autoencoder, and its extension.

The codes p_1..p_J (an encoder's images of the J training points, scaled into the unit cube)
carry the data's weights nu_j; the source mu is the generator's latent law (uniform on [0, 1]^d,
or Gaussian).  For the squared cost the Laguerre cells of a dual vector psi,

    L_j = {z : |z - p_j|^2 - psi_j <= |z - p_k|^2 - psi_k for all k},

are the regions where the plane u_j(z) = <p_j, z> + h_j, h_j = (psi_j - |p_j|^2) / 2, is the
highest: u = max_j u_j is the Brenier potential and its gradient T(z) = p_{j(z)} the OT map
once every cell holds its code's mass (``LatentDual``: the course's semi-discrete critic over
the codes, solved by averaged SGD).  T only reproduces codes (decoded: the training images).

The extension (``extend``): at z, let i, j, k be the cells of the three highest planes.  If the
supporting planes of i and j are nearly parallel, the angle between their normals (p_i, -1) and
(p_j, -1) at most ``angle``, the sample is

    T~(z) = (1 - w) p_i + w p_j,    w = blend * (1 - (u_i - u_j) / (u_i - u_k))

which is p_i deep in the cell (where u_j is as far below u_i as u_k) and moves toward p_j up to
the facet between them, where w = blend; at ``blend`` = 1/2 both sides of a facet meet at the
midpoint and the map is continuous there.  A pair whose angle is larger belongs to the singular
set: the codes lie far apart (a gap of the data), w = 0 and the map jumps there, so no sample
bridges two modes.  Every extended sample lies on the segment [p_i, p_j].
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .critic import SemiDiscreteCritic
from .ctransform import CHUNK


class LatentDual(SemiDiscreteCritic):
    """The semi-discrete dual over J codes in the unit cube (squared cost), with the affine map
    between the cube and the encoder's coordinates.  The codes are saved with the dual (they are
    the encoder's, not the data's); ``ready`` says whether they have been set."""

    def __init__(self, n_codes: int, dim: int, weights: torch.Tensor | None = None):
        super().__init__(torch.zeros(n_codes, dim), weights, "sqeuclidean",
                         persistent_targets=True)
        self.register_buffer("center", torch.zeros(dim))
        self.register_buffer("spread", torch.ones(()))
        self.register_buffer("ready", torch.zeros((), dtype=torch.bool))

    @property
    def dim(self) -> int:
        return self.y.shape[1]

    @torch.no_grad()
    def set_codes(self, codes: torch.Tensor) -> None:
        """Take the encoder's codes (J, d): scaled by one factor and shifted into [0, 1]^d (one
        factor for every coordinate: the squared cost's geometry is kept), psi reset to 0."""
        codes = codes.reshape(self.y.shape).to(self.y)
        lo, hi = codes.min(0).values, codes.max(0).values
        spread = float((hi - lo).max())
        self.center.copy_((lo + hi) / 2)
        self.spread.fill_(spread if spread > 0 else 1.0)
        self.y.copy_(self.normalize(codes))
        self.y_sq.copy_((self.y * self.y).sum(1))
        self.psi.zero_()
        self.psi_avg.zero_()
        self.ready.fill_(True)

    def normalize(self, codes: torch.Tensor) -> torch.Tensor:
        """Encoder coordinates -> the unit cube's."""
        return (codes - self.center) / self.spread + 0.5

    def denormalize(self, p: torch.Tensor) -> torch.Tensor:
        """The unit cube's coordinates -> the encoder's (what the decoder reads)."""
        return (p - 0.5) * self.spread + self.center

    @torch.no_grad()
    def extend(self, z: torch.Tensor, blend: float, angle: float):
        """(T~(z), i, j, w) for latent points z (B, d) at the averaged dual: the extended
        sample in cube coordinates, the cells of the two highest planes and the weight of p_j
        (0 where the pair (i, j) is singular)."""
        return extend(z, self.y, self.psi_avg, blend, angle, y_sq=self.y_sq, chunk=self.chunk)


def top_planes(z: torch.Tensor, y: torch.Tensor, psi: torch.Tensor, k: int = 3, *,
               y_sq: torch.Tensor | None = None, chunk: int = CHUNK):
    """The ``k`` highest planes u_j(z) = <p_j, z> + (psi_j - |p_j|^2) / 2 at each z: (values,
    indices), each (B, k), highest first; a chunk of codes at a time."""
    y_sq = (y * y).sum(1) if y_sq is None else y_sq
    k = min(k, y.shape[0])
    best_v = best_i = None
    for s in range(0, y.shape[0], chunk):
        h = (psi[s:s + chunk] - y_sq[s:s + chunk]) * 0.5
        u = torch.addmm(h[None, :], z, y[s:s + chunk].T)
        v, i = u.topk(min(k, u.shape[1]), dim=1)
        i = i + s
        if best_v is not None:
            v, pick = torch.cat([best_v, v], 1).topk(k, dim=1)
            i = torch.cat([best_i, i], 1).gather(1, pick)
        best_v, best_i = v, i
    return best_v, best_i


def normal_angle(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """The angle between the normals (p, -1) and (q, -1) of two supporting planes, row-wise."""
    dot = (p * q).sum(-1) + 1.0
    norms = ((p * p).sum(-1) + 1.0).sqrt() * ((q * q).sum(-1) + 1.0).sqrt()
    return torch.acos((dot / norms).clamp(-1.0, 1.0))


@torch.no_grad()
def extend(z: torch.Tensor, y: torch.Tensor, psi: torch.Tensor, blend: float, angle: float, *,
           y_sq: torch.Tensor | None = None, chunk: int = CHUNK):
    """The extended map T~ (module docstring) at z (B, d) for codes y (J, d) and dual psi:
    (samples (B, d), i (B,), j (B,), w (B,))."""
    with torch.autocast(z.device.type, enabled=False):  # heights in float32: never bf16
        z = z.reshape(z.shape[0], -1).to(y.dtype)
        u, idx = top_planes(z, y, psi, 3, y_sq=y_sq, chunk=chunk)
        i = idx[:, 0]
        if idx.shape[1] < 2:
            return y[i], i, i, torch.zeros_like(u[:, 0])
        j = idx[:, 1]
        if idx.shape[1] >= 3:
            below = u[:, 0] - u[:, 2]
            ratio = torch.where(below > 0, (u[:, 0] - u[:, 1]) / below.clamp_min(1e-30),
                                torch.zeros_like(below))
        else:  # two codes: the facet is the only boundary
            ratio = torch.zeros_like(u[:, 0])
        w = blend * (1.0 - ratio.clamp(0.0, 1.0))
        w = torch.where(normal_angle(y[i], y[j]) <= angle, w, torch.zeros_like(w))
        return torch.lerp(y[i], y[j], w[:, None]), i, j, w


class _Shared:
    """A reference that copies share (``copy.deepcopy`` returns it as it is): the EMA copy of
    the generator reads the same dual as the generator."""

    def __init__(self, obj):
        self.obj = obj

    def __deepcopy__(self, memo):
        return self


class LatentOT(nn.Module):
    """The AE-OT generator: G(z) = decoder(T~(z)), with the autoencoder (decoder, encoder) it
    trains and the dual it reads (shared with the run's critic slot, not saved with the
    generator).  Before the codes are set, G(z) is the decoder at z itself."""

    def __init__(self, decoder: nn.Module, encoder: nn.Module, dual: LatentDual,
                 blend: float = 0.5, angle: float = math.pi):
        super().__init__()
        self.decoder, self.encoder = decoder, encoder
        self._dual = _Shared(dual)
        self.blend, self.angle = float(blend), float(angle)
        self.latent_dim = dual.dim

    @property
    def dual(self) -> LatentDual:
        return self._dual.obj

    def code(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder's input for latent points z: T~(z) in the encoder's coordinates."""
        dual = self.dual
        if not bool(dual.ready):
            return z
        return dual.denormalize(dual.extend(z, self.blend, self.angle)[0]).to(z.dtype)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.code(z))

    def reconstruct(self, x: torch.Tensor, train_encoder: bool = True) -> torch.Tensor:
        """decoder(encoder(x)); the encoder's weights get no gradient unless ``train_encoder``."""
        with torch.set_grad_enabled(train_encoder and torch.is_grad_enabled()):
            codes = self.encoder(x)
        return self.decoder(codes)

    @torch.no_grad()
    def embed(self, x: torch.Tensor, chunk: int = 1000) -> torch.Tensor:
        """The encoder's codes of x (N, ...), ``chunk`` points at a time, in eval mode."""
        was = self.encoder.training
        self.encoder.eval()
        try:
            return torch.cat([self.encoder(x[s:s + chunk]) for s in range(0, x.shape[0], chunk)])
        finally:
            self.encoder.train(was)
