"""Training a run: build, loop, finish; stopping it cleanly, and continuing it later.

    train(cfg, data, out=...)      build a seeded run (and its folder), then fit it
    fit(run)                       the loop, wired to the folder: metrics.jsonl and TensorBoard,
                                   evaluations, snapshots, checkpoints; then summary.json,
                                   samples.png and report.html
    resume(path, {"steps": N})     restore the last checkpoint, then fit: bitwise the run that
                                   was never interrupted

The same options continue their run: ``train`` given an ``out`` folder that holds the run
these options started (config.json's ``requested``) resumes it from its checkpoint (starts it
again when it stopped before its first one; returns it when it trained to its end), as a
cluster job requeued after a preemption runs its script again; a run started with other
options is refused there, as before.  Only the options' config is compared: data passed in
memory, or weights passed in memory, never continue a run.

Under torchrun every rank runs the same code; rank 0 alone writes the folder.  SIGINT/SIGTERM
(and SIGPIPE, a closed output: runtime/console.py) stop the loop between two updates with a
checkpoint; a NaN/Inf stops it without overwriting one.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Mapping

import torch
from torch import nn

from ..config import TrainConfig
from ..errors import RunFolderError
from ..owned import say
from ..metrics.lipschitz import gradient_norm_stats
from ..rundir import RunDir
from ..runtime.console import guarded_output
from ..runtime.device import resolve_device
from ..runtime.distributed import init_from_env, taking_part
from .artifacts import finish, snapshot_writer
from .build import restore, start_run, versions
from .checkpoint import Checkpoints
from .datasets import dataset_for
from .evaluation import DIAG_STREAM, Evaluator, eval_context, training_metrics
from .logger import MetricsLogger
from .loop import Diverged, Hooks, at_end, train_loop
from .run import Run
from .signals import (Interrupted, StopNow, StopRequest, graceful_signals, how_to_continue,
                      signal_name)


#: what ``out`` holds for a start (``_started``)
_NEW, _UNSAVED, _CHECKPOINTED = 0, 1, 2


def train(cfg: TrainConfig, data=None, *, weights=None, generator: nn.Module = None,
          critic: nn.Module = None,
          out: str | Path | None = None, overwrite: bool = False, progress: bool = False,
          announce: Callable[[Run], None] | None = None, config_file=None) -> Run:
    """Train a new run (``otgan train`` and ``otgan.train`` alike, under torchrun too), or
    continue the one these options started in ``out`` (unless ``overwrite``; module doc);
    ``config_file``: the file ``cfg`` was read from, recorded among the run's inputs."""
    world = init_from_env(resolve_device(cfg.device))  # torchrun's ranks, else one process
    found = _NEW
    if out is not None and not overwrite and weights is None \
            and (data is None or isinstance(data, (str, Path))):
        found = world.from_main(_started(out, cfg) if world.is_main else _NEW)
        overwrite = found == _UNSAVED
    with taking_part(world):
        if found == _CHECKPOINTED:  # (in the group this call joined, which it leaves)
            return _resume(RunDir.open(out), world, None, progress, generator, critic,
                           announce, False, same_options=True)
        dataset = dataset_for(cfg, data, weights)
        folder = RunDir.create(out, overwrite) if out is not None and world.is_main else None
        try:
            run = start_run(cfg, dataset, generator, critic, folder, world, config_file)
        except BaseException:
            if folder is not None:
                folder.discard()  # nothing was written but the marker and the lock
            raise
        return _released(fit(run, progress=progress and world.is_main,
                             announce=announce if world.is_main else None))


def _started(out, cfg: TrainConfig) -> int:
    """What ``out`` holds for a start with ``cfg``: the run these options started, with a
    checkpoint or stopped before its first one (then started again), or anything else (a new
    folder, another run: ``RunDir.create`` decides)."""
    folder = RunDir.started_by(out, cfg.to_dict())
    if folder is None:
        return _NEW
    if folder.has_checkpoint():  # (said by ``_resume`` once it is sure to continue it)
        return _CHECKPOINTED
    say(f"--out {folder.path}: holds the run these options started, stopped before its first "
        f"checkpoint; starting it again")
    return _UNSAVED


def resume(path: str | Path, overrides: Mapping[str, Any] | None = None, progress: bool = False,
           generator: nn.Module = None, critic: nn.Module = None,
           announce: Callable[[Run], None] | None = None,
           accept_changed_inputs: bool = False, same_options: bool = False) -> Run:
    """Continue the run in ``path`` from its last checkpoint (optionally with more ``steps``).

    On the CPU the result is bitwise the run that was never interrupted: weights, optimizer
    states, EMA, the batch order and every RNG state come from the checkpoint.  Under torchrun
    every rank loads the same checkpoint (all replay one global random stream, so the number of
    ranks may differ from the interrupted run's); rank 0 alone writes the folder, and holds its
    lock from before the checkpoint is read (a damaged one is then set aside).  Data or weights
    files changed since the run read them are refused unless ``accept_changed_inputs``
    (recorded in config.json).  ``same_options``: the run's own options continue it
    (``train``): a run at its end but for its last files writes them, and one that wrote them
    is returned as it is, nothing written.
    """
    folder = RunDir.open(path)
    device = (overrides or {}).get("device") or folder.read_config()["config"]["device"]
    world = init_from_env(resolve_device(device))
    with taking_part(world):
        return _resume(folder, world, overrides, progress, generator, critic, announce,
                       accept_changed_inputs, same_options)


def _resume(folder: RunDir, world, overrides, progress, generator, critic, announce,
            accept_changed_inputs, same_options) -> Run:
    if world.is_main:
        folder.lock()
    try:
        run, record = restore(folder, overrides, train=True, generator=generator, critic=critic,
                              world=world, accept_changed_inputs=accept_changed_inputs,
                              same_options=same_options)
        step = run.state.step
        done = world.from_main(same_options and at_end(run.state, run.config)
                               and world.is_main and folder.finished(step))
        world.barrier()  # every rank has read the checkpoint before rank 0 touches the folder
        if done:
            if world.is_main:
                run.folder, run.history = folder, folder.read_metrics()
                say(f"--out {folder.path}: the run trained to its end (step {step}) and wrote "
                    f"its files; nothing to do (--overwrite starts it afresh)")
            folder.unlock()
            return _released(run)
        if world.is_main:
            if same_options:  # (not before a refusal, nor before "nothing to do")
                say(f"--out {folder.path}: holds the run these options started; continuing it "
                    f"from its checkpoint")
            run.folder = folder
            folder.clean_temporary()
            folder.truncate_after(step)
            run.history = folder.read_metrics()
            folder.record_resume(record, run.config.to_dict(), step, versions(), world.size,
                                 run.inputs, run.changed_inputs)
    except BaseException:
        folder.unlock()  # (fit releases it once training has started)
        raise
    return _released(fit(run, progress=progress and world.is_main, purge_after=step + 1,
                         last_checkpoint=step, announce=announce if world.is_main else None))


def _released(run: Run) -> Run:
    """``run`` without its DistributedDataParallel wrappers, once trained: they hold the
    process group, which ``leave`` can then end while the interpreter is whole."""
    if run.state is not None:
        run.state.train_generator = run.state.train_critic = None
    return run


def fit(run: Run, progress: bool = False, purge_after: int | None = None,
        last_checkpoint: int | None = None,
        announce: Callable[[Run], None] | None = None) -> Run:
    """Train ``run`` up to ``run.config.steps``, writing its folder (when it has one);
    ``announce(run)`` first (a signal there, or the output found closed, stops the run at its
    first step with a checkpoint).

    SIGINT/SIGTERM/SIGPIPE stop training between two updates, save a checkpoint and raise
    ``Interrupted``; a NaN/Inf raises ``Diverged`` without overwriting any checkpoint.  The
    folder's lock (taken when it was created or opened to resume) is released at the end.
    """
    try:
        return _fit(run, progress, purge_after, last_checkpoint, announce)
    finally:
        if run.folder is not None:
            run.folder.unlock()


def _fit(run: Run, progress: bool, purge_after: int | None, last_checkpoint: int | None,
         announce: Callable[[Run], None] | None) -> Run:
    cfg, state, folder, world = run.config, run.state, run.folder, run.world
    logger = MetricsLogger(folder, tensorboard=cfg.tensorboard, purge_step=purge_after)
    logger.history = run.history
    evaluator = Evaluator(lambda: eval_context(run, progress=progress), training_metrics(run),
                          logger.write,
                          background=cfg.eval_background, snapshot=snapshot_writer(run, logger))
    # the last evaluation so far (a run continued at its end writes its summary from it)
    evaluator.latest = next((r for r in reversed(run.history) if r.get("eval")), {})
    checkpoints = Checkpoints(run, last_checkpoint, defer=evaluator.then,
                              last_path=getattr(folder, "loaded_from", None))
    diag_gen = torch.Generator(device=run.device).manual_seed(cfg.seed + DIAG_STREAM)
    stop = StopRequest()

    def evaluate(st):
        # training's random streams as the evaluation found them, even when a signal cuts it
        # short while its thread still computes (the checkpoint then records them as they were)
        with st.streams_kept():
            if world.active:  # the other ranks wait for this one: stop between updates, together
                return evaluator(st)
            with stop.interruptible():  # a signal cuts an evaluation short; the state is intact
                return evaluator(st)

    hooks = Hooks(diagnose=lambda st, real, fake: gradient_norm_stats(st.critic, real, fake,
                                                                       generator=diag_gen),
                  evaluate=evaluate if world.is_main else None,
                  write=logger.write,
                  checkpoint=checkpoints.save,
                  should_stop=lambda: world.any_(stop.signum is not None))
    t0 = time.perf_counter()
    said: list[str] = []
    try:
        with guarded_output(), graceful_signals(stop):
            try:
                if announce is not None:
                    announce(run)
                if purge_after is not None and hooks.evaluate is not None \
                        and _evaluation_missing(run, state.step):
                    hooks.evaluate(state)  # the one the signal that stopped the last segment cut
                if not at_end(state, cfg):  # (continued at its end: only its last files)
                    train_loop(state, run.method, cfg, hooks, progress=progress)
            except StopNow as e:
                if e.hard:
                    raise
                said.append(f"the evaluation at step {state.step} was cut short (--resume "
                            f"computes it first)")
            if stop.signum is not None:
                said += _stop_evaluations(evaluator)
                if folder is not None:
                    checkpoints.save()
    except StopNow as e:  # a second signal: stop at once; every file written is whole
        evaluator.cut()
        raise Interrupted(f"second {signal_name(e.signum)}: stopped at once during step "
                          f"{state.step}; {checkpoints.describe_last()}", e.signum) from None
    except Diverged as e:
        evaluator.poll(wait=True)  # checkpoints of good states queued behind evaluations
        raise Diverged(f"{e}; nothing was overwritten; {checkpoints.describe_last()}",
                       e.step) from None
    except OSError as e:
        raise _write_error(run, checkpoints, e) from None
    finally:
        try:
            evaluator.close()
            logger.close()
        except OSError as e:  # the disk filled up while the last records were written
            raise _write_error(run, checkpoints, e) from None
    if stop.signum is not None:
        saved = (f"checkpoint saved at step {state.step}; continue with: "
                 f"{how_to_continue(folder.path)}"
                 if folder is not None else "no run folder, nothing saved")
        raise Interrupted("; ".join([f"{stop.received}: stopped after step {state.step}",
                                     *said, saved]), stop.signum)
    if folder is not None:
        try:
            checkpoints.save()
            finish(run, evaluator, time.perf_counter() - t0)
        except OSError as e:
            raise _write_error(run, checkpoints, e) from None
    return run


def _evaluation_missing(run: Run, step: int) -> bool:
    """Whether the evaluation due at ``step``, the checkpoint a resumed run starts from, is not
    in its log: a signal stopped the run before or while it was computed."""
    cfg = run.config
    due = step > 0 and (step == cfg.steps or (cfg.eval_every > 0 and step % cfg.eval_every == 0))
    return due and not any(r.get("eval") and r.get("step") == step for r in run.history)


def _stop_evaluations(evaluator: Evaluator) -> list[str]:
    """Write the pending evaluation records now, without the background metrics still being
    computed; returns what that left out, in words."""
    missing = evaluator.cut()
    if not missing:
        return []
    steps = ", ".join(map(str, missing))
    return [f"background metrics ({', '.join(evaluator.bg_names)}) of the evaluation(s) at "
            f"step(s) {steps} not computed"]


def _write_error(run: Run, checkpoints: Checkpoints, e: OSError) -> RunFolderError:
    where = run.folder.path if run.folder is not None else "the run folder"
    return RunFolderError(f"cannot write to {where} ({e.strerror or e}) at step "
                          f"{run.state.step}; {checkpoints.describe_last()}")
