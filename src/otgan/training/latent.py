"""A run's latent space: codes of data points (``Run.encode``) and their reconstructions.

Codes come from the run's encoder E when it has one (BiGAN), or from latent inversion by
optimization, argmin_z ||G(z) - x||^2 (``nets/inversion.py``: Adam, ``STEPS`` updates), for
every other run, so that the two can be compared on the same data.  Both read and return data
coordinates: the run's normalizer is applied on the way in and undone on the way out.
"""

from __future__ import annotations

import torch

from ..data.dataset import load_dataset
from ..data.specs import DATASETS
from ..data.arrays import load_array_file
from ..errors import ConfigError, DataError
from ..metrics.latent import reconstruction_error
from ..nets.encoder import has_encoder
from ..nets.inversion import LR, STEPS, invert
from ..nets.specs import INVERSIONS

__all__ = ["LR", "STEPS", "codes", "points", "reconstruct", "reconstruction_error",
           "reconstruction_errors", "resolve_inversion"]

def resolve_inversion(run, how: str = "auto") -> str:
    """``encoder`` or ``optimize`` for this run; refuses an encoder the run does not have."""
    if how not in INVERSIONS:
        raise ConfigError(f"inversion must be one of {', '.join(INVERSIONS)}, got {how!r}")
    own = has_encoder(run.sampling_generator)
    if how == "encoder" and not own:
        raise ConfigError(f"method {run.config.method} has no encoder (bigan and bigan-gp "
                          f"train one); use inversion by optimization")
    return "optimize" if how == "optimize" or not own else "encoder"


def codes(run, x: torch.Tensor, how: str = "auto", steps: int = STEPS, lr: float = LR,
          chunk: int = 4096) -> torch.Tensor:
    """Latent codes (n, latent_dim), on the CPU, of points ``x`` in data coordinates."""
    how = resolve_inversion(run, how)
    G = run.sampling_generator
    x = x.to(torch.float32)
    if how == "optimize":
        parts = [invert(G, run.normalizer.encode(x[i:i + chunk]).to(run.device),
                        run.latent_dim, steps=steps, lr=lr, latent=run.config.latent).cpu()
                 for i in range(0, x.shape[0], chunk)]
    else:
        was = G.training
        G.eval()
        try:
            with torch.no_grad():
                parts = [G.encode(run.normalizer.encode(x[i:i + chunk]).to(run.device)).cpu()
                         for i in range(0, x.shape[0], chunk)]
        finally:
            G.train(was)
    return torch.cat(parts) if parts else torch.zeros(0, run.latent_dim)


def reconstruct(run, x: torch.Tensor, how: str = "auto", **kw) -> torch.Tensor:
    """G(code(x)) in data coordinates, on the CPU."""
    return run.generate(codes(run, x, how, **kw)).cpu()


def reconstruction_errors(run, x: torch.Tensor, seed: int, how: str = "auto", **kw) -> dict:
    """Mean squared error per coordinate of G(code(x)) against x, and of G(z), z a draw of the
    latent law, against x (the trivial baseline: a generator that ignores x), with their ratio."""
    return reconstruction_error(x, reconstruct(run, x, how, **kw),
                                run.generate(run.latents(x.shape[0], seed)).cpu())


def points(run, spec: str) -> torch.Tensor:
    """Points to encode, in data coordinates: a built-in set's held-out split (drawn as the
    run's config draws it) or a user file's points in file order (an .npz with train and test
    arrays: its test array); refused unless their shape is the run's."""
    cfg = run.config
    if spec in DATASETS:
        x = load_dataset(spec, n_train=cfg.n_train, n_test=cfg.n_test,
                         data_seed=cfg.data_seed).test
    else:
        arrays = load_array_file(spec, min_points=1)
        x = torch.from_numpy(arrays.get("all", arrays.get("test")).astype("float32"))
    if tuple(x.shape[1:]) != run.data_shape:
        raise DataError(f"{spec}: points of shape {tuple(x.shape[1:])}; this run's points have "
                        f"shape {run.data_shape}")
    return x.float()
