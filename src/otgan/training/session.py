"""Training a run to the end, stopping it cleanly, and continuing it later.

``fit`` wires the loop to the run folder: metrics.jsonl and TensorBoard, evaluations (OT solves on
a background thread), snapshots, checkpoints; then samples.png, summary.json and report.html.
SIGINT/SIGTERM stop it between two updates with a checkpoint; ``resume`` continues it bitwise.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import signal
import threading
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from torch import nn

from ..config import TrainConfig, from_dict, normalize_keys, validate
from ..errors import ConfigError, DataError, OtganError, RunFolderError
from ..metrics import gradient_norm_stats
from .evaluation import Evaluator
from .logger import MetricsLogger
from .loop import Diverged, Hooks, train_loop
from . import distributed
from .run import _DIAG_STREAM, Run, _versions, dataset_from_config, start_run
from .runs import SAMPLES_PNG, RunDir, atomic_write_json

class Interrupted(OtganError):
    """A signal stopped training; a checkpoint of the last completed update was saved."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.exit_code = 128 + signum


class _StopRequest:
    """Signal handler that only records the request; the loop stops between updates."""

    def __init__(self):
        self.signum: int | None = None

    def __call__(self, signum, frame):
        if self.signum is None:
            self.signum = signum


@contextlib.contextmanager
def _graceful_signals(stop: _StopRequest):
    """SIGINT/SIGTERM set ``stop`` instead of killing the process (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def fit(run: Run, progress: bool = False, purge_after: int | None = None) -> Run:
    """Train ``run`` up to ``run.config.steps``: metrics.jsonl, TensorBoard, evaluations,
    checkpoints, then samples.png, summary.json and report.html in its folder.

    SIGINT/SIGTERM stop training between two updates, save a checkpoint and raise
    ``Interrupted``; a NaN/Inf raises ``Diverged`` without overwriting any checkpoint.
    """
    cfg, state, folder = run.config, run.state, run.folder
    logger = MetricsLogger(folder, tensorboard=cfg.tensorboard, purge_step=purge_after)
    logger.history = run.history
    diag_gen = torch.Generator(device=run.device).manual_seed(cfg.seed + _DIAG_STREAM)
    snapshot = None
    if folder is not None and run.data_shape == (2,):
        from ..viz.plots import plot_extent
        from ..viz.snapshots import critic_snapshot, save_snapshot

        extent = plot_extent(run.dataset.test)
        (folder.path / "snapshots").mkdir(exist_ok=True)
        np.save(folder.path / "snapshots" / "heldout.npy",
                run.dataset.test[:2000].numpy().astype(np.float32))
        if run.method.critic_from_data:  # the Laguerre cells' targets, for plots
            np.save(folder.path / "snapshots" / "targets.npy",
                    run.dataset.train.numpy().astype(np.float32))

        def snapshot(step, ctx):
            save_snapshot(folder.path, critic_snapshot(run.critic, run.normalizer.encode,
                                                       extent, ctx.fake, step))
    elif folder is not None and len(run.data_shape) == 3:
        from ..viz.snapshots import save_image_grid

        (folder.path / "snapshots").mkdir(exist_ok=True)

        def snapshot(step, ctx):  # the same latent codes at every evaluation
            grid = save_image_grid(folder.path, ctx.fake[:64], step)
            logger.add_image("samples", grid, step)

    evaluator = Evaluator(run.eval_context, run.metric_names(), logger.write,
                          background=cfg.eval_background, snapshot=snapshot,
                          estimates=run.method.estimates)
    stop = _StopRequest()
    hooks = Hooks(diagnose=lambda st, real, fake: gradient_norm_stats(st.critic, real, fake,
                                                                       generator=diag_gen),
                  evaluate=evaluator if distributed.WORLD.is_main else None,
                  write=logger.write,
                  checkpoint=lambda st: run.save_checkpoint(),
                  should_stop=lambda: distributed.WORLD.any_(stop.signum is not None))
    t0 = time.perf_counter()
    try:
        with _graceful_signals(stop):
            train_loop(state, run.method, cfg, hooks, progress=progress)
            if stop.signum is not None and folder is not None:
                run.save_checkpoint()
    except Diverged as e:
        where = run.describe_last_checkpoint()
        raise Diverged(f"{e}; nothing was overwritten; {where}", e.step) from None
    except OSError as e:
        raise _write_error(run, e) from None
    finally:
        try:
            evaluator.close()
            logger.close()
        except OSError as e:  # the disk filled up while the last records were written
            raise _write_error(run, e) from None
    if stop.signum is not None:
        name = signal.Signals(stop.signum).name
        saved = (f"checkpoint saved at step {state.step}; continue with: otgan train --resume "
                 f"{folder.path}" if folder is not None else "no run folder, nothing saved")
        raise Interrupted(f"{name} received: stopped after step {state.step}; {saved}",
                          stop.signum)
    wall = time.perf_counter() - t0
    if folder is not None:
        try:
            run.save_checkpoint()
            write_summary(run, evaluator, wall)
            plot_run_samples(run)
            from ..viz.report import write_report

            write_report(folder.path)
        except OSError as e:
            raise _write_error(run, e) from None
    return run


def _write_error(run: Run, e: OSError) -> RunFolderError:
    where = run.folder.path if run.folder is not None else "the run folder"
    return RunFolderError(f"cannot write to {where} ({e.strerror or e}) at step "
                          f"{run.state.step}; {run.describe_last_checkpoint()}")


def write_summary(run: Run, evaluator: Evaluator, wall: float) -> dict:
    """summary.json: the final evaluation, the noise floor and what evaluation cost."""
    last = dict(evaluator.latest)
    last.pop("eval", None)
    summary = {k: v for k, v in last.items() if not isinstance(v, dict)}
    summary["eval_step"] = summary.pop("step", None)
    floor = run.noise_floor(run.config.eval_n)
    if floor is not None:
        summary["w1_floor"] = floor
    summary.update(steps=run.state.step, critic_steps=run.state.critic_steps,
                   train_time=run.state.train_time, wall_time=wall,
                   eval_wait_time=evaluator.seconds_sync,
                   eval_overhead_pct=100.0 * evaluator.seconds_sync / max(run.state.train_time,
                                                                          1e-9))
    atomic_write_json(run.folder.file("summary.json"), summary)
    return summary


def plot_run_samples(run: Run) -> Path:
    from ..viz.plots import plot_image_samples, plot_samples

    ctx = run.eval_context()
    last = run.history[-1] if run.history else {}
    w1 = next((r["w1"] for r in reversed(run.history) if "w1" in r), None)
    title = f"{run.config.method} on {run.config.data}, step {last.get('step', 0)}"
    if w1 is not None:
        title += f", W1 = {w1:.3f}"
    path = run.folder.file(SAMPLES_PNG)
    plot = plot_image_samples if len(run.data_shape) == 3 else plot_samples
    plot(ctx.real, ctx.fake, path, title)
    return path


# ----------------------------------------------------------------------------- resuming
#: fields that may change when a run is continued; any other change is refused
RESUMABLE = frozenset({"steps", "device", "threads", "log_every", "eval_every", "eval_n",
                       "checkpoint_every", "metrics", "eval_background", "tensorboard"})


def resume(path: str | Path, overrides: Mapping[str, Any] | None = None, progress: bool = False,
           generator: nn.Module = None, critic: nn.Module = None) -> Run:
    """Continue the run in ``path`` from its last checkpoint (optionally with more ``steps``).

    On the CPU the result is bitwise the run that was never interrupted: weights, optimizer
    states, EMA, the batch order and every RNG state come from the checkpoint.
    """
    folder = RunDir.open(path)
    record = folder.read_config()
    saved = from_dict(record["config"]).to_dict()
    user = normalize_keys(overrides or {}, "option")
    cfg = validate(TrainConfig(**{**saved, **user}), explicit=set(user))
    given = cfg.to_dict()
    changed = sorted(k for k in given if given[k] != saved[k] and k not in RESUMABLE)
    if changed:
        k = changed[0]
        raise RunFolderError(f"--resume {folder.path}: the run used {k} = {saved[k]!r}; it "
                             f"cannot continue with {k} = {given[k]!r} (only "
                             f"{', '.join(sorted(RESUMABLE))} may change)")
    if record.get("networks", {}).get("custom") and generator is None:
        raise RunFolderError(f"--resume {folder.path}: this run used custom networks; resume it "
                             f"from Python with otgan.resume(path, generator=..., critic=...)")
    dataset = dataset_from_config(cfg)
    if list(dataset.train.shape[1:]) != list(record["data"]["shape"]):
        raise DataError(f"--resume {folder.path}: data {cfg.data} now has shape "
                        f"{tuple(dataset.train.shape[1:])}, the run was trained on "
                        f"{tuple(record['data']['shape'])}")
    ckpt = folder.load_checkpoint()
    step = int(ckpt["state"]["step"])
    if step >= cfg.steps:
        raise ConfigError(f"--resume {folder.path}: the checkpoint is at step {step}; pass "
                          f"--steps greater than {step} to train further")
    # Under torchrun every rank loads the same checkpoint: all ranks replay one global random
    # stream, so their states are identical, and the number of ranks may differ from the
    # interrupted run's.  Rank 0 alone writes the folder.
    world = distributed.WORLD
    run = start_run(cfg, dataset, generator, critic)
    run.state.load_state_dict(ckpt["state"])
    run.method.load_state_dict(ckpt.get("method") or {})
    world.barrier()  # every rank has read the checkpoint before rank 0 touches the folder
    run.checkpoint_step = step
    if world.is_main:
        run.folder = folder
        folder.clean_temporary()
        folder.truncate_after(step)
        run.history = folder.read_metrics()
        record["config"] = cfg.to_dict()
        record.setdefault("resumed", []).append(
            {"from_step": step, "at": _dt.datetime.now(_dt.timezone.utc).isoformat(
                timespec="seconds"), "versions": _versions(), "world_size": world.size})
        folder.write_config(record)
    return fit(run, progress=progress, purge_after=step + 1)


