"""Building a run: a fresh, seeded one (``start_run``), or one restored from its folder
(``restore``, for sampling, evaluation and resuming alike)."""

from __future__ import annotations

import dataclasses
import platform
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from torch import nn

from .._version import __version__
from ..config import (RESUMABLE, TrainConfig, changed_on_resume, critic_optimizer_kind,
                      from_dict, resolve, steps_for_epochs)
from ..data.dataset import Dataset
from ..data.normalize import Normalizer
from ..errors import ConfigError, DamagedFile, DataError, RunFolderError
from ..methods.registry import make_method
from ..nets.build import build_networks
from ..nets.encoder import has_encoder
from ..rundir import RunDir, config_record
from ..runtime.device import resolve_device, set_threads
from ..runtime.distributed import SINGLE, World, wrap
from ..runtime.memory import require_memory
from .datasets import dataset_for
from .ema import make_ema
from .evaluation import training_metrics
from .inputs import check as check_inputs, identify
from .optim import make_optimizer
from .run import Models, Run
from .sampler import BatchSampler
from .state import TrainState, seed_everything


def versions() -> dict:
    return {"otgan": __version__, "torch": torch.__version__, "python": platform.python_version(),
            "numpy": np.__version__}


def build_models(cfg: TrainConfig, data_shape: tuple, train_x: torch.Tensor | None,
                 generator=None, critic=None, world: World = SINGLE,
                 weights: torch.Tensor | None = None) -> Models:
    """Method, generator, critic (with its Lipschitz mechanism) and EMA, before any weights.

    ``train_x`` (model coordinates) and the data's ``weights`` are needed by methods whose
    critic is built from the data.
    """
    method = make_method(cfg, world)
    if critic is not None and method.critic_from_data:
        raise ConfigError(f"method {cfg.method} builds its critic from the data (and "
                          f"weights=); pass a generator only")
    if generator is None and critic is not None:
        raise ConfigError("a custom critic needs a custom generator too (pass generator=)")
    if generator is not None and critic is None and not method.critic_from_data:
        raise ConfigError(f"method {cfg.method} needs a critic network; pass critic= with "
                          f"generator=")
    if weights is not None and train_x is not None:
        weights = weights.to(train_x)
    own_critic = method.build_critic(train_x, weights)
    if generator is None:
        if len(data_shape) not in (1, 3):
            raise DataError(f"data of shape {data_shape}: expected points (d,) or images "
                            f"(C, H, W)")
        _require_network_memory(cfg, data_shape, method.bidirectional)
        generator, critic = build_networks(cfg, data_shape, method.bidirectional)
    elif method.bidirectional and not has_encoder(generator):
        raise ConfigError(f"method {cfg.method} trains an encoder with the generator: pass a "
                          f"module with forward(z, x=None) -> G(z) or (G(z), E(x)) and "
                          f"encode(x) (otgan.nets.Bidirectional(G, E)), and a critic of flat "
                          f"(x, z) rows")
    critic = own_critic if own_critic is not None else critic
    if method.per_sample_critic:
        bn = [m for m in critic.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if bn:
            raise ConfigError(f"method {cfg.method}: the critic contains BatchNorm, which mixes "
                              f"samples and breaks the per-sample gradient penalty; use "
                              f"LayerNorm or no normalization")
    critic = method.prepare_critic(critic)
    generator = method.wrap_generator(generator, critic, data_shape)
    return Models(method, generator, critic, make_ema(generator, cfg.ema))


def _require_network_memory(cfg: TrainConfig, data_shape: tuple,
                            bidirectional: bool = False) -> None:
    """Refuse networks the machine cannot hold before allocating them: built first on the
    meta device (no memory, no random numbers), counted, then built for real."""
    with torch.device("meta"):
        g, c = build_networks(cfg, data_shape, bidirectional)
    n = sum(p.numel() for net in (g, c) for p in net.parameters())
    # float32 weights, gradients, two optimizer moments, and the generator's EMA copy
    require_memory(4 * 5 * n, f"the networks ({n:,} parameters)")


def _check_shapes(models: Models, latent_dim: int, data_shape: tuple, device) -> None:
    with torch.no_grad():
        try:
            out = models.generator(torch.zeros(2, latent_dim, device=device))
        except Exception as e:
            raise DataError(f"generator does not accept latent codes of dimension {latent_dim}: "
                            f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
        if tuple(out.shape[1:]) != tuple(data_shape):
            raise DataError(f"generator outputs shape {tuple(out.shape[1:])} but the data has "
                            f"shape {tuple(data_shape)}")
        # what the critic reads: G(z), BiGAN's (G(z), z) pairs, AE-OT's latent points
        _, out = models.method.critic_inputs(models.generator, None, torch.zeros(
            2, latent_dim, device=device))
        score = models.critic(out)
        if score.numel() != 2:
            raise DataError(f"critic must return one score per sample, got shape "
                            f"{tuple(score.shape)}")


def _assemble(cfg: TrainConfig, data_shape: tuple, normalizer: Normalizer,
              train_x: torch.Tensor | None, generator, critic, device: torch.device,
              world: World, folder: RunDir | None, dataset: Dataset | None) -> Run:
    models = build_models(cfg, data_shape, train_x, generator, critic, world,
                          None if dataset is None else dataset.weights)
    models.generator.to(device)
    models.critic.to(device)
    if models.ema is not None:
        models.ema.to(device)
    run = Run(cfg, models, normalizer, data_shape, device, folder, dataset, world)
    _check_shapes(models, run.latent_dim, data_shape, device)
    return run


def build_run(cfg: TrainConfig, dataset: Dataset, generator=None, critic=None,
              folder: RunDir | None = None, world: World = SINGLE) -> Run:
    """A seeded run's networks and data transform, without optimizers or batch sampler (what
    the sweep's ensembles take from each member).  The global RNG is left exactly where
    ``start_run`` leaves it."""
    device = resolve_device(cfg.device)
    set_threads(device, cfg.threads)
    seed_everything(cfg.seed)
    data_shape = tuple(dataset.train.shape[1:])
    normalizer = Normalizer.fit(dataset.train, cfg.normalize)
    train_x = normalizer.encode(dataset.train).to(device)
    return _assemble(cfg, data_shape, normalizer, train_x, generator, critic, device, world,
                     folder, dataset)


def training_data(run: Run) -> torch.Tensor:
    """The training split in model coordinates, on the run's device."""
    return run.normalizer.encode(run.dataset.train).to(run.device)


def start_run(cfg: TrainConfig, dataset: Dataset, generator=None, critic=None,
              folder: RunDir | None = None, world: World = SINGLE, config_file=None) -> Run:
    """Build everything a run needs to train, seeded, and write its config.json (with the
    identity of its inputs, ``config_file`` among them, and ``cfg`` as it was asked for)."""
    requested = cfg.to_dict()
    if cfg.epochs:  # the training length in epochs of this data: in generator updates
        cfg = dataclasses.replace(cfg, steps=steps_for_epochs(cfg, dataset.train.shape[0]))
    run = build_run(cfg, dataset, generator, critic, folder, world)
    m = run.models
    opt_d = m.method.make_critic_optimizer(m.critic) or make_optimizer(
        m.critic.parameters(), cfg, cfg.lr_d, critic_optimizer_kind(cfg))
    run.state = TrainState(m.generator, m.critic, make_optimizer(m.generator.parameters(), cfg,
                                                                 cfg.lr_g),
                           opt_d, m.ema, BatchSampler(training_data(run), cfg.batch_size,
                                                      world=world, weights=dataset.weights),
                           run.latent_dim, world=world)
    if world.active:
        if cfg.batch_size % world.size:
            raise ConfigError(f"batch_size {cfg.batch_size} (the global batch) must be a "
                              f"multiple of the {world.size} ranks")
        run.state.train_generator = wrap(m.generator, run.device, world)
        if not m.method.critic_from_data:
            run.state.train_critic = wrap(m.critic, run.device, world)
    if m.method.resolved:  # values derived from the data: recorded, reused on resume
        run.config = dataclasses.replace(run.config, **m.method.resolved)
    training_metrics(run)  # a metric named that does not apply to the data: refused now
    if folder is not None:
        folder.write_config(config_record(
            config=run.config.to_dict(), seed=run.config.seed, device=str(run.device),
            world_size=run.world.size, versions=versions(),
            data={"name": dataset.name, "shape": list(run.data_shape),
                  "n_train": int(dataset.train.shape[0]), "n_test": int(dataset.test.shape[0])},
            networks={"generator": type(run.generator).__name__,
                      "critic": type(run.critic).__name__, "custom": generator is not None},
            inputs=identify(run.config, config_file), requested=requested))
    return run


def restore(path: str | Path | RunDir, overrides: Mapping[str, Any] | None = None, *,
            train: bool = False, generator: nn.Module = None, critic: nn.Module = None,
            world: World = SINGLE, accept_changed_inputs: bool = False,
            same_options: bool = False) -> tuple[Run, dict]:
    """The run in folder ``path`` at its last checkpoint, and its config.json record.

    ``train=False``: its models, for sampling and evaluation (``overrides`` may only name the
    device).  ``train=True``: everything training needs (optimizers, batch order, RNG states),
    seeded as the run was, so that continuing it is bitwise the run never interrupted; only
    ``config.RESUMABLE`` fields may change.  Data or weights files that changed since the run
    read them are refused (``inputs.check``: at once to train, when the data is first read
    to evaluate) unless ``accept_changed_inputs``; ``run.inputs`` and ``run.changed_inputs``
    say what they are now.  The folder itself is not written (but for setting a damaged
    checkpoint aside when ``path`` is a RunDir this process holds the lock of).
    ``same_options``: the run is continued by the options that started it (``otgan train
    --out`` again, ``fit.train``): a run at its end is returned as it is, not refused.
    """
    folder = path if isinstance(path, RunDir) else RunDir.open(path)
    record = folder.read_config()
    where = (f"--out {folder.path} (the run these options started)" if same_options else
             f"--resume {folder.path}" if train else str(folder.path))
    ckpt = folder.load_checkpoint()
    saved = _saved_config(record, ckpt, folder)
    cfg = resolve(overrides, base=saved)
    changed = changed_on_resume(saved, cfg)
    if changed:
        k = changed[0]
        raise RunFolderError(f"{where}: the run used {k} = {getattr(saved, k)!r}; it cannot "
                             f"continue with {k} = {getattr(cfg, k)!r} (only "
                             f"{', '.join(sorted(RESUMABLE))} may change)")
    if record.get("networks", {}).get("custom") and generator is None:
        raise RunFolderError(f"{where}: this run used custom networks; pass generator= (and "
                             f"critic=) modules of the same architecture, from Python")
    step = int(ckpt["state"].get("step", 0))
    if "steps" in (overrides or {}) and "epochs" not in overrides:
        cfg = dataclasses.replace(cfg, epochs=0.0)  # a new length in steps replaces epochs
    data_shape = tuple(ckpt.get("data_shape") or record["data"]["shape"])
    dataset = None
    inputs = changed = None
    if train:
        remedy = (f"continue it with otgan train --resume {folder.path} "
                  f"--accept-changed-inputs, or pass --overwrite to start afresh"
                  if same_options else None)
        inputs, changed = check_inputs(record.get("inputs"), cfg, where, accept_changed_inputs,
                                       remedy=remedy)
    if train or make_method(cfg).critic_from_data:
        dataset = dataset_for(cfg)
        if tuple(dataset.train.shape[1:]) != data_shape:
            raise DataError(f"{where}: data {cfg.data} now has shape "
                            f"{tuple(dataset.train.shape[1:])}, the run was trained on "
                            f"{data_shape}")
    if train and cfg.epochs:
        cfg = dataclasses.replace(cfg, steps=steps_for_epochs(cfg, dataset.train.shape[0]))
    if train and step >= cfg.steps and not same_options:
        raise ConfigError(f"{where}: the checkpoint is at step {step}; pass --steps greater "
                          f"than {step} (or more --epochs) to train further")
    if train:
        run = start_run(cfg, dataset, generator, critic, world=world)
        _fitting(folder, lambda: run.state.load_state_dict(ckpt["state"]))
        if cfg.time_limit and run.state.train_time >= cfg.time_limit and not same_options:
            raise ConfigError(f"{where}: the run has trained {run.state.train_time:.0f} s; pass "
                              f"--time-limit greater than that (or 0) to train further")
    else:
        normalizer = Normalizer.from_state_dict(ckpt.get("normalizer"))
        device = resolve_device(cfg.device)
        train_x = None if dataset is None else normalizer.encode(dataset.train)
        with torch.random.fork_rng(devices=[]):  # building draws initial weights: not the caller's
            run = _assemble(cfg, data_shape, normalizer, train_x, generator, critic, device,
                            world, folder, dataset)
        _fitting(folder, lambda: _load_models(run.models, ckpt["state"]))
    run.models.method.load_state_dict(ckpt.get("method") or {})
    if train:
        run.inputs, run.changed_inputs = inputs, changed
    else:
        def inputs_check():  # before the data is read again to evaluate
            run.inputs, run.changed_inputs = check_inputs(
                record.get("inputs"), cfg, str(folder.path), accept_changed_inputs, "evaluate")

        run.inputs_check = inputs_check
    return run, record


def _saved_config(record: dict, ckpt: dict, folder: RunDir) -> TrainConfig:
    """The run's config: the checkpoint's (the truth), after checking that config.json agrees
    with it on everything that shapes the run (a hand edit is refused, not followed)."""
    try:
        saved = from_dict(record["config"])
    except ConfigError as e:
        raise DamagedFile(f"{folder.file('config.json')}: {e}") from None
    if ckpt.get("config") is None:  # written before checkpoints carried their config
        return saved
    try:
        truth = from_dict(ckpt["config"])
    except ConfigError as e:
        raise DamagedFile(f"{folder.path}: the checkpoint's config is invalid ({e})") from None
    a, b = truth.to_dict(), saved.to_dict()
    edited = [k for k in a if a[k] != b.get(k) and k not in RESUMABLE]
    if edited:
        k = edited[0]
        raise DamagedFile(f"{folder.file('config.json')} says {k} = {b.get(k)!r} but the "
                          f"checkpoint was trained with {k} = {a[k]!r}; the checkpoint is the "
                          f"truth: restore config.json")
    return dataclasses.replace(truth, **{k: b[k] for k in RESUMABLE})


def _fitting(folder: RunDir, load) -> None:
    """Load a checkpoint's weights into the networks, one clear line when they do not fit."""
    try:
        load()
    except (RuntimeError, KeyError, ValueError, TypeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DamagedFile(f"{folder.path}: the checkpoint does not fit these networks "
                          f"({first[:200]})") from None


def _load_models(models: Models, sd: dict) -> None:
    models.generator.load_state_dict(sd["generator"])
    models.critic.load_state_dict(sd["critic"])
    if models.ema is not None and sd.get("ema") is not None:
        models.ema.load_state_dict(sd["ema"])


