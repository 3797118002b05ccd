"""A run: its config, networks, method, data and folder, and how one is built or loaded.

``start_run`` builds a fresh, seeded run (and writes its config.json); ``load_run`` rebuilds one
from a run folder for sampling and evaluation.  Training it is ``training.session.fit``.
"""

from __future__ import annotations

import datetime as _dt
import platform
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .. import __version__
from ..config import TrainConfig, critic_optimizer_kind, from_dict
from ..data import Dataset, load_dataset
from ..data.normalize import Normalizer
from ..errors import ConfigError, DataError
from ..methods import make_method
from ..metrics import IMAGE_METRICS, EvalContext, compute, default_metrics, wasserstein1
from ..nets import build_networks
from . import distributed
from .runs import FORMAT_VERSION, RunDir
from .state import BatchSampler, TrainState, make_ema, make_optimizer, seed_everything

#: every metric ``otgan eval`` computes (those that do not apply to the data are skipped)
ALL_METRICS = ("w1", "w2", "sliced", "energy", "critic", "lipschitz", "modes")
# Offsets that give evaluation and diagnostics RNG streams of their own: drawing from them never
# shifts the training stream, so results do not depend on how often a run is evaluated.
_EVAL_STREAM, _DIAG_STREAM = 1_000_003, 2_000_003


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r}: CUDA is not available on this machine")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and
                              torch.backends.mps.is_available()):
        raise ConfigError("device 'mps': MPS is not available on this machine")
    return torch.device(name)


def _versions() -> dict:
    return {"otgan": __version__, "torch": torch.__version__, "python": platform.python_version(),
            "numpy": np.__version__}


class Run:
    """A trained (or training) GAN: its config, networks, run folder and history."""

    def __init__(self, cfg: TrainConfig, method, generator: nn.Module, critic: nn.Module,
                 ema, normalizer: Normalizer, data_shape: tuple, device: torch.device,
                 folder: RunDir | None = None, dataset: Dataset | None = None):
        self.config, self.method = cfg, method
        self.generator, self.critic, self.ema = generator, critic, ema
        self.normalizer, self.data_shape, self.device = normalizer, tuple(data_shape), device
        self.folder, self._dataset = folder, dataset
        self.state: TrainState | None = None
        self.train_x: torch.Tensor | None = None  # encoded training data (set by build_run)
        self.history: list[dict] = []
        self.checkpoint_step: int | None = None

    # -- properties ------------------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        return None if self.folder is None else self.folder.path

    @property
    def latent_dim(self) -> int:
        return int(getattr(self.generator, "latent_dim", self.config.latent_dim or 2))

    @property
    def sampling_generator(self) -> nn.Module:
        return self.ema.module if self.ema is not None else self.generator

    @property
    def dataset(self) -> Dataset:
        """The run's data (reloaded from the config for a run read from disk)."""
        if self._dataset is None:
            self._dataset = dataset_from_config(self.config)
        return self._dataset

    # -- sampling --------------------------------------------------------------------------
    @torch.no_grad()
    def generate(self, z: torch.Tensor, chunk: int = 65536) -> torch.Tensor:
        """Generated points in data coordinates for latent codes ``z`` (any device)."""
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
        return self.config.seed + _EVAL_STREAM

    def latents(self, n: int, seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(int(seed))
        return torch.randn(n, self.latent_dim, generator=gen)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` generated points, float32 numpy, shape (n, *data_shape); same seed, same points."""
        if n < 1:
            raise ConfigError(f"n must be >= 1, got {n}")
        return self.generate(self.latents(n, seed)).float().cpu().numpy()

    # -- evaluation ------------------------------------------------------------------------
    def metric_names(self) -> tuple[str, ...]:
        """The metrics evaluated during training (``metrics = auto`` resolved for the data)."""
        if self.config.metrics == "auto":
            ds = self.dataset
            return default_metrics(ds.modes is not None, len(self.data_shape) == 3,
                                   ds.train_labels is not None)
        return tuple(n.strip() for n in self.config.metrics.split(",") if n.strip())

    def eval_context(self, n: int | None = None, seed: int | None = None) -> EvalContext:
        """Generated and held-out points for metrics: fixed latent codes unless ``seed``."""
        ds = self.dataset
        real = ds.test
        n = min(n or self.config.eval_n, real.shape[0])
        seed = self.eval_seed if seed is None else seed
        fake = self.generate(self.latents(n, seed)).cpu()
        return EvalContext(
            fake=fake, real=real[:n], critic=self.critic, encode=self.normalizer.encode,
            estimates=self.method.estimates, modes=ds.modes, mode_sigma=ds.mode_sigma,
            sample=lambda k: self.generate(self.latents(k, seed + 1)).cpu(),
            generator=torch.Generator(device=self.device).manual_seed(seed),
            classifier=self.classifier if len(self.data_shape) == 3 else None)

    def applicable_metrics(self) -> tuple[str, ...]:
        """Every registered metric that applies to this run's data."""
        ds = self.dataset
        names = [m for m in ALL_METRICS if m != "modes" or ds.modes is not None]
        if len(self.data_shape) == 3 and ds.train_labels is not None:
            names += list(IMAGE_METRICS)
        return tuple(names)

    def classifier(self):
        """The dataset's classifier for image metrics (trained once and cached), or None."""
        if not hasattr(self, "_classifier"):
            from ..metrics.images import load_classifier

            self._classifier = load_classifier(self.dataset)
        return self._classifier

    def evaluate(self, names=None, n: int | None = None) -> dict:
        """Metrics of the current generator and critic against held-out data, with the noise
        floor (W1 between two disjoint halves of held-out data) when there is enough of it."""
        names = self.applicable_metrics() if names is None else names
        ctx = self.eval_context(n)
        names = [m for m in names if m != "modes" or ctx.modes is not None]
        out = compute(names, ctx)
        floor = self.noise_floor(ctx.fake.shape[0])
        if floor is not None:
            out["w1_floor"] = floor
        return out

    def noise_floor(self, n: int) -> float | None:
        """Exact W1 between held-out points 0..n-1 and n..2n-1 (None if fewer than 2n)."""
        test = self.dataset.test
        if test.shape[0] < 2 * n:
            return None
        return wasserstein1(test[:n], test[n:2 * n])

    # -- persistence -----------------------------------------------------------------------
    def checkpoint_dict(self) -> dict:
        state = self.state.state_dict() if self.state is not None else {
            "generator": self.generator.state_dict(), "critic": self.critic.state_dict(),
            "ema": None if self.ema is None else self.ema.state_dict()}
        return {"format": FORMAT_VERSION, "otgan_version": __version__,
                "config": self.config.to_dict(), "data_shape": list(self.data_shape),
                "normalizer": self.normalizer.state_dict(), "state": state,
                "method": self.method.state_dict()}

    def save_checkpoint(self) -> None:
        if self.folder is not None:
            self.folder.save_checkpoint(self.checkpoint_dict())
            self.checkpoint_step = self.state.step if self.state is not None else None

    def describe_last_checkpoint(self) -> str:
        if self.folder is None:
            return "no run folder"
        if self.checkpoint_step is None:
            return "no checkpoint was written by this run"
        return (f"last good checkpoint: {self.folder.file('checkpoint.pt')} (step "
                f"{self.checkpoint_step})")

    def __repr__(self) -> str:
        where = f", path={str(self.path)!r}" if self.folder else ""
        return f"Run(method={self.config.method!r}, data={self.config.data!r}{where})"


# ----------------------------------------------------------------------------- building
def dataset_from_config(cfg: TrainConfig) -> Dataset:
    return load_dataset(cfg.data, n_train=cfg.n_train, n_test=cfg.n_test,
                        data_seed=cfg.data_seed, test_fraction=cfg.test_fraction)


def _build_models(cfg: TrainConfig, data_shape: tuple, train_x: torch.Tensor | None,
                  generator=None, critic=None):
    """Method, generator, critic (with its Lipschitz mechanism) and EMA, before any weights.

    ``train_x`` (model coordinates) is needed by methods whose critic is built from the data.
    """
    method = make_method(cfg)
    if (generator is None) != (critic is None):
        raise ConfigError("pass both generator and critic, or neither")
    own_critic = None if critic is not None else method.build_critic(train_x)
    if generator is None:
        if len(data_shape) not in (1, 3):
            raise DataError(f"data of shape {data_shape}: expected points (d,) or images "
                            f"(C, H, W)")
        generator, critic = build_networks(cfg, data_shape)
    critic = own_critic if own_critic is not None else critic
    if method.per_sample_critic:
        bn = [m for m in critic.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if bn:
            raise ConfigError(f"method {cfg.method}: the critic contains BatchNorm, which mixes "
                              f"samples and breaks the per-sample gradient penalty; use "
                              f"LayerNorm or no normalization")
    critic = method.prepare_critic(critic)
    ema = make_ema(generator, cfg.ema)
    return method, generator, critic, ema


def _check_shapes(generator, critic, latent_dim: int, data_shape: tuple, device) -> None:
    with torch.no_grad():
        try:
            out = generator(torch.zeros(2, latent_dim, device=device))
        except Exception as e:
            raise DataError(f"generator does not accept latent codes of dimension {latent_dim}: "
                            f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
        if tuple(out.shape[1:]) != tuple(data_shape):
            raise DataError(f"generator outputs shape {tuple(out.shape[1:])} but the data has "
                            f"shape {tuple(data_shape)}")
        score = critic(out)
        if score.numel() != 2:
            raise DataError(f"critic must return one score per sample, got shape "
                            f"{tuple(score.shape)}")


def build_run(cfg: TrainConfig, dataset: Dataset, generator=None, critic=None,
              folder: RunDir | None = None) -> Run:
    """A seeded run's networks and data transform, without optimizers or batch sampler (what
    the sweep's ensembles take from each member).  The global RNG is left exactly where
    ``start_run`` leaves it."""
    device = resolve_device(cfg.device)
    if device.type == "cpu" and cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)
    data_shape = tuple(dataset.train.shape[1:])
    normalizer = Normalizer.fit(dataset.train, cfg.normalize)
    train_x = normalizer.encode(dataset.train).to(device)
    method, G, D, ema = _build_models(cfg, data_shape, train_x, generator, critic)
    G, D = G.to(device), D.to(device)
    if ema is not None:
        ema = ema.to(device)
    run = Run(cfg, method, G, D, ema, normalizer, data_shape, device, folder, dataset)
    run.train_x = train_x
    _check_shapes(G, D, run.latent_dim, data_shape, device)
    return run


def start_run(cfg: TrainConfig, dataset: Dataset, generator=None, critic=None,
              folder: RunDir | None = None) -> Run:
    """Build everything a run needs, seeded, and write its config.json."""
    run = build_run(cfg, dataset, generator, critic, folder)
    method, G, D = run.method, run.generator, run.critic
    opt_d = method.make_critic_optimizer(D) or make_optimizer(D.parameters(), cfg, cfg.lr_d,
                                                              critic_optimizer_kind(cfg))
    run.state = TrainState(G, D, make_optimizer(G.parameters(), cfg, cfg.lr_g), opt_d, run.ema,
                           BatchSampler(run.train_x, cfg.batch_size), run.latent_dim)
    world = distributed.WORLD
    if world.active:
        if cfg.batch_size % world.size:
            raise ConfigError(f"batch_size {cfg.batch_size} (the global batch) must be a "
                              f"multiple of the {world.size} ranks")
        run.state.train_generator = distributed.wrap(G, run.device)
        if not method.critic_from_data:
            run.state.train_critic = distributed.wrap(D, run.device)
    if folder is not None:
        folder.write_config(_config_record(run, dataset, generator is not None))
    return run


def _config_record(run: Run, dataset: Dataset, custom: bool) -> dict:
    cfg = run.config
    return {
        "format": FORMAT_VERSION,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "seed": cfg.seed,
        "command": " ".join(sys.argv) if sys.argv and sys.argv[0].endswith("otgan") else None,
        "device": str(run.device),
        "world_size": distributed.WORLD.size,
        "data": {"name": dataset.name, "shape": list(run.data_shape),
                 "n_train": int(dataset.train.shape[0]), "n_test": int(dataset.test.shape[0])},
        "networks": {"generator": type(run.generator).__name__,
                     "critic": type(run.critic).__name__, "custom": custom},
        "config": cfg.to_dict(),
    }


# ----------------------------------------------------------------------------- loading
def load_run(path: str | Path, device: str = "cpu", generator: nn.Module = None,
             critic: nn.Module = None) -> Run:
    """Open a run folder for sampling or evaluation (pass the modules for custom networks)."""
    folder = RunDir.open(path)
    record = folder.read_config()
    cfg = from_dict(record["config"])
    ckpt = folder.load_checkpoint()
    data_shape = tuple(ckpt.get("data_shape") or record["data"]["shape"])
    if record.get("networks", {}).get("custom") and generator is None:
        raise ConfigError(f"{folder.path}: this run used custom networks; pass generator= and "
                          f"critic= modules of the same architecture to load_run")
    dev = resolve_device(device)
    method = make_method(cfg)
    train_x = None
    if method.critic_from_data:
        ds = dataset_from_config(cfg)
        train_x = Normalizer.from_state_dict(ckpt.get("normalizer")).encode(ds.train)
    method, G, D, ema = _build_models(cfg, data_shape, train_x, generator, critic)
    sd = ckpt["state"]
    G.load_state_dict(sd["generator"])
    D.load_state_dict(sd["critic"])
    if ema is not None and sd.get("ema") is not None:
        ema.load_state_dict(sd["ema"])
    method.load_state_dict(ckpt.get("method") or {})
    G, D = G.to(dev), D.to(dev)
    ema = ema.to(dev) if ema is not None else None
    run = Run(cfg, method, G, D, ema, Normalizer.from_state_dict(ckpt.get("normalizer")),
              data_shape, dev, folder)
    run.history = folder.read_metrics()
    run.steps_done = int(sd.get("step", 0))
    return run
