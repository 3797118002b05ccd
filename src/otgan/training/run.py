"""``Run``: a trained (or training) GAN as the user holds it: its config, its models, and what
it can do, sampling and evaluation.  Building one is ``build.py``; training it, ``fit.py``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..nets.encoder import has_encoder
from ..nets.latent import sample_latent
from ..config import TrainConfig
from ..data.dataset import Dataset
from ..data.normalize import Normalizer
from ..errors import ConfigError, OtganError
from ..methods.base import Method
from ..methods.specs import METHODS
from ..rundir import RunDir
from ..runtime.distributed import SINGLE, World
from ..runtime.progress import wanted
from . import evaluation, latent
from .datasets import dataset_for
from .refine import Refinement, as_refinement, lipschitz_estimate, refine as refine_points
from .reject import Rejection, as_rejection, rejection_sample
from .state import TrainState

# An offset that gives the evaluation latent codes a stream of their own: drawing them never
# shifts the training stream, so results do not depend on how often a run is evaluated.
EVAL_STREAM = 1_000_003
#: the stream of the points the critic's slope is estimated on before a refinement
REFINE_STREAM = 3_000_017
#: the uniform draws of rejection sampling (``sample``'s ``reject``), offset from the seed
REJECT_STREAM = 4_000_037


@dataclass
class Models:
    """What training changes: the method (its state) and the networks."""

    method: Method
    generator: nn.Module
    critic: nn.Module
    ema: nn.Module | None = None

    @property
    def sampling_generator(self) -> nn.Module:
        """The generator used for samples and evaluation: the EMA copy when enabled."""
        return self.ema.module if self.ema is not None else self.generator


class Run:
    """A GAN run: config, models, data transform, run folder and history.

    Built by ``otgan.train``, ``otgan.resume`` and ``otgan.load_run``, not directly.

    Parameters
    ----------
    cfg : TrainConfig
        The resolved configuration (``run.config``).
    models : Models
        The method, the generator, the critic and the EMA of the generator.
    normalizer : Normalizer
        The map between data coordinates and the networks' coordinates.
    data_shape : tuple of int
        The shape of one data point: ``(d,)`` or ``(C, H, W)``.
    device : torch.device
        Where the networks live.
    folder : RunDir or None
        The run folder; None for a run trained without ``out``.
    dataset : Dataset or None
        The data; None: loaded from the config when first asked for.
    world : World
        The process's place in a torchrun job (a single process by default).

    Attributes
    ----------
    config : TrainConfig
        The configuration.
    history : list of dict
        The records of ``metrics.jsonl``: training lines and evaluations.
    generator, critic : torch.nn.Module
        The trained networks (``sampling_generator``: the EMA copy when enabled).
    """

    def __init__(self, cfg: TrainConfig, models: Models, normalizer: Normalizer,
                 data_shape: tuple, device: torch.device, folder: RunDir | None = None,
                 dataset: Dataset | None = None, world: World = SINGLE):
        self.config, self.models = cfg, models
        self.normalizer, self.data_shape, self.device = normalizer, tuple(data_shape), device
        self.folder, self.world, self._dataset = folder, world, dataset
        self.state: TrainState | None = None  # set while the run can train
        self.history: list[dict] = []
        self._classifier = None  # the image metrics' classifier, loaded on first use
        #: a run read from disk: what its input files are now, those that changed since it
        #: read them (accepted), and the check made before its data is read again
        self.inputs: dict | None = None
        self.changed_inputs: list[dict] = []
        self.inputs_check = None

    # -- what it is made of ----------------------------------------------------------------
    method = property(lambda self: self.models.method)
    generator = property(lambda self: self.models.generator)
    critic = property(lambda self: self.models.critic)
    ema = property(lambda self: self.models.ema)
    sampling_generator = property(lambda self: self.models.sampling_generator)

    @property
    def path(self) -> Path | None:
        return None if self.folder is None else self.folder.path

    @property
    def latent_dim(self) -> int:
        return int(getattr(self.generator, "latent_dim", self.config.latent_dim or 2))

    @property
    def dataset(self) -> Dataset:
        """The run's data (reloaded from the config for a run read from disk, once its input
        files are checked to be those it was trained on)."""
        if self.inputs_check is not None:
            self.inputs_check()
            self.inputs_check = None
        if self._dataset is None:
            self._dataset = dataset_for(self.config)
        return self._dataset

    # -- sampling --------------------------------------------------------------------------
    @torch.no_grad()
    def generate(self, z: torch.Tensor, chunk: int | None = None) -> torch.Tensor:
        """Generated points in data coordinates for latent codes ``z``.

        Parameters
        ----------
        z : torch.Tensor
            Latent codes, shape (n, latent_dim), on any device.
        chunk : int, optional
            Codes passed through the generator at a time [default: 65536 points, 500 images].

        Returns
        -------
        torch.Tensor
            The generated points, shape ``(n, *data_shape)``, on the run's device.
        """
        chunk = chunk or (500 if len(self.data_shape) == 3 else 65536)
        g = self.sampling_generator
        was_training = g.training
        g.eval()
        try:
            parts = [self.normalizer.decode(g(z[i:i + chunk].to(self.device)))
                     for i in range(0, z.shape[0], chunk)]
        finally:
            g.train(was_training)
        return torch.cat(parts) if parts else torch.empty((0,) + self.data_shape)

    @property
    def eval_seed(self) -> int:
        """Seed of the fixed latent codes every evaluation of this run uses (``+ 1``: the extra
        points drawn for plots and mode counts)."""
        return self.config.seed + EVAL_STREAM

    def latents(self, n: int, seed: int) -> torch.Tensor:
        """``n`` latent codes of the run's latent law, the same for the same seed.

        Parameters
        ----------
        n : int
            How many codes.
        seed : int
            Seed of the codes' generator.

        Returns
        -------
        torch.Tensor
            Shape (n, latent_dim), on the CPU.
        """
        gen = torch.Generator().manual_seed(int(seed))
        return sample_latent(self.config.latent, (n, self.latent_dim), generator=gen)

    def sample(self, n: int, seed: int = 0, refine=None, reject=None) -> np.ndarray:
        """``n`` generated points; same seed, same points.

        Parameters
        ----------
        n : int
            How many points (>= 1).
        seed : int
            Seed of the latent codes.
        refine : int, mapping or Refinement, optional
            Move each sample with the trained critic (discriminator optimal transport, Tanaka
            2019: toward ``argmin_x |x - y| - D(x)/k``; ``training/refine.py``), given as a
            number of steps, a mapping ``{"steps", "lr", "k", "k_scale"}`` or a
            ``Refinement``.
        reject : bool, mapping or Rejection, optional
            Keep each sample with probability p_data / (M p_G) read from the discriminator's
            logit (discriminator rejection sampling, Azadi et al. 2019;
            ``training/reject.py``; binary cross-entropy GANs only), True or a mapping
            ``{"burn_in", "max_draws", "chunk"}``; not with ``refine``.

        Returns
        -------
        numpy.ndarray
            float32, shape ``(n, *data_shape)``, in data coordinates.
        """
        if n < 1:
            raise ConfigError(f"n must be >= 1, got {n}")
        how, keep = as_refinement(refine), as_rejection(reject)
        if keep is not None:
            if how is not None and how.steps:
                raise ConfigError("sample: refinement and rejection are two ways of reading "
                                  "the critic; ask for one")
            return self.rejected(n, keep, seed)[0].float().cpu().numpy()
        if how is None or how.steps == 0:
            x = self.generate(self.latents(n, seed))
        else:
            x = self.refined(self.latents(n, seed), how, seed)
        x = x.float().cpu().numpy()
        bad = int((~np.isfinite(x.reshape(n, -1))).any(1).sum())
        if bad:  # (weights are checked finite at load: an overflow of the network itself)
            raise OtganError(f"sample: {bad} of {n} generated samples are not finite (the "
                             f"generator overflows float32 on them)")
        return x

    def rejected(self, n: int, how: Rejection, seed: int = 0) -> tuple[torch.Tensor, dict]:
        """``n`` samples kept by discriminator rejection sampling (``sample``'s ``reject``).

        Parameters
        ----------
        n : int
            How many samples to keep.
        how : Rejection
            The sampler's settings (burn-in, most draws, chunk).
        seed : int
            Seed of the latent codes and of the uniforms that decide.

        Returns
        -------
        samples : torch.Tensor
            Shape ``(n, *data_shape)``, in data coordinates.
        info : dict
            ``{"acceptance", "log_m", "draws"}``.
        """
        if not self.method.spec.density_ratio:
            raise ConfigError(f"rejection sampling reads the discriminator's logit as log "
                              f"p_data / p_G, which method {self.method.name}'s critic does not "
                              f"estimate (the methods whose critic does: "
                              f"{', '.join(n for n, s in METHODS.items() if s.density_ratio)})")
        latents = torch.Generator().manual_seed(int(seed))
        uniforms = torch.Generator().manual_seed(int(seed) + REJECT_STREAM)

        def draw(k: int) -> torch.Tensor:
            z = sample_latent(self.config.latent, (k, self.latent_dim), generator=latents)
            return self.normalizer.encode(self.generate(z))

        critic, was = self.critic, self.critic.training
        critic.eval()
        try:
            x, info = rejection_sample(draw, lambda x: self.method.scores(critic, x), n, how,
                                       uniforms)
        finally:
            critic.train(was)
        return self.normalizer.decode(x), info

    def critic_slope(self, seed: int = 0, n: int = 512) -> float:
        """k_eff, the critic's largest slope between training and generated points.

        Parameters
        ----------
        seed : int
            Seed of the points drawn.
        n : int
            How many training and how many generated points (model coordinates).

        Returns
        -------
        float
            The Lipschitz constant refinement divides by.
        """
        gen = torch.Generator().manual_seed(int(seed) + REFINE_STREAM)
        data = self.dataset.train
        real = data[torch.randperm(data.shape[0], generator=gen)[:n]]
        real = self.normalizer.encode(real.to(self.device))
        fake = self.normalizer.encode(self.generate(self.latents(n, int(seed) + REFINE_STREAM)))
        return lipschitz_estimate(self.critic, real, fake)

    @property
    def refinable(self) -> bool:
        """Whether the critic scores points of the data's space (what refinement moves samples
        with): not a critic of (x, z) pairs nor one of latent points."""
        return not (self.method.bidirectional or self.method.latent_critic)

    def refined(self, z: torch.Tensor, how: Refinement, seed: int = 0) -> torch.Tensor:
        """G(z) moved by the critic (``sample``'s ``refine``).

        Parameters
        ----------
        z : torch.Tensor
            Latent codes, shape (n, latent_dim).
        how : Refinement
            Steps, learning rate and k (or its scale of ``critic_slope``).
        seed : int
            Seed of ``critic_slope``'s points when k is measured.

        Returns
        -------
        torch.Tensor
            The moved points, shape ``(n, *data_shape)``, in data coordinates.
        """
        if not self.refinable:
            raise ConfigError("refinement moves points with a critic of points; this run's "
                              "critic reads " + ("(x, z) pairs" if self.method.bidirectional
                                                 else "latent points"))
        k = how.k if how.k is not None else how.k_scale * self.critic_slope(seed)
        if not (math.isfinite(k) and k > 0):
            raise OtganError(f"refinement: k = {k:g} (k_scale {how.k_scale:g} times the "
                             f"critic's slope): the critic is flat or its slope not finite; "
                             f"nothing to refine by")
        y = self.normalizer.encode(self.generate(z))
        x = refine_points(self.critic, y, k, how.steps, how.lr,
                          chunk=500 if len(self.data_shape) == 3 else 4096)
        out = self.normalizer.decode(x)
        bad = int((~torch.isfinite(out.flatten(1))).any(1).sum())
        if bad:
            raise OtganError(f"refinement: {bad} of {out.shape[0]} refined samples are not "
                             f"finite (k = {k:.3g}, lr {how.lr:g}, {how.steps} steps): a larger "
                             f"k_scale (--refine-scale) or a smaller lr keeps them finite")
        return out

    # -- the latent space ------------------------------------------------------------------
    @property
    def has_encoder(self) -> bool:
        """Whether the run trained an encoder E: x -> z (bigan, bigan-gp).

        Returns
        -------
        bool
        """
        return has_encoder(self.sampling_generator)

    def encode(self, x, how: str = "auto", steps: int = latent.STEPS,
               lr: float = latent.LR) -> np.ndarray:
        """Latent codes of points: E(x) with an encoder, else latent inversion.

        Parameters
        ----------
        x : array_like
            Points in data coordinates, shape ``(n, *data_shape)``.
        how : {"auto", "encoder", "optimize"}
            ``auto``: the encoder when the run has one, else optimization;
            ``optimize``: inversion by optimization, ``argmin_z ||G(z) - x||^2``.
        steps : int
            Adam updates of the inversion.
        lr : float
            The inversion's learning rate, decayed to 0.

        Returns
        -------
        numpy.ndarray
            float32, shape (n, latent_dim).
        """
        x = torch.as_tensor(np.asarray(x, dtype=np.float32))
        if tuple(x.shape[1:]) != self.data_shape:
            raise ConfigError(f"x has shape {tuple(x.shape)}; this run's points have shape "
                              f"(n, {', '.join(map(str, self.data_shape))})")
        return latent.codes(self, x, how, steps, lr).float().numpy()

    def reconstruct(self, x, how: str = "auto", **kw) -> np.ndarray:
        """G(code(x)): points through the latent space and back.

        Parameters
        ----------
        x : array_like
            Points in data coordinates, shape ``(n, *data_shape)``.
        how : {"auto", "encoder", "optimize"}
            How the codes are found (``encode``'s ``how``).
        **kw
            ``encode``'s ``steps`` and ``lr``.

        Returns
        -------
        numpy.ndarray
            float32, shape ``(n, *data_shape)``, in data coordinates.
        """
        return self.generate(torch.as_tensor(self.encode(x, how, **kw))).float().cpu().numpy()

    # -- evaluation ------------------------------------------------------------------------
    def eval_context(self, n: int | None = None, seed: int | None = None):
        """Generated and held-out points for metrics.

        Parameters
        ----------
        n : int, optional
            How many points of each [default: the run's ``eval_n``].
        seed : int, optional
            Seed of the latent codes [default: the fixed codes every evaluation uses].

        Returns
        -------
        EvalContext
            What the metric functions read: the two point clouds, the critic, the method.
        """
        return evaluation.eval_context(self, n, seed)

    def evaluate(self, names=None, n: int | None = None, progress: bool | None = None) -> dict:
        """Metrics of the current generator and critic against held-out data.

        Parameters
        ----------
        names : str or list of str, optional
            Metric names [default: every metric that applies by default].
        n : int, optional
            How many points [default: the run's ``eval_n``].
        progress : bool, optional
            A bar naming the metric being computed [default: in a terminal or a notebook].

        Returns
        -------
        dict
            Each metric's values, with the W1 noise floor of held-out data when there is
            enough.
        """
        return evaluation.evaluate(self, names, n, wanted(progress))

    def __repr__(self) -> str:
        where = f", path={str(self.path)!r}" if self.folder else ""
        return f"Run(method={self.config.method!r}, data={self.config.data!r}{where})"
