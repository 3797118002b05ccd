"""What a run folder holds besides its log and checkpoints: critic snapshots during training,
then summary.json, samples.png, the latent figures of a run with an encoder (reconstruction.png,
interpolation.png) and report.html."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import torch

from ..fileio import atomic_write_bytes, atomic_write_json
from ..rundir import INTERPOLATION_PNG, RECONSTRUCTION_PNG, SAMPLES_PNG, SUMMARY
from ..viz.latent import interpolation_grid, reconstruction_lines, reconstruction_rows
from ..viz.plots import plot_extent, plot_image_samples, plot_samples
from ..viz.report import write_report
from ..viz.snapshots import critic_snapshot, save_image_grid, save_snapshot
from . import latent
from .evaluation import noise_floor


def snapshot_writer(run, logger):
    """``snapshot(step, ctx)`` for the evaluator: critic level sets (2D data) or an image grid
    of the fixed latent codes (images), saved under snapshots/; None without a folder."""
    folder, image = run.folder, len(run.data_shape) == 3
    # a critic of (x, z) pairs (BiGAN) has no level sets in the data plane
    planar = run.data_shape == (2,) and not run.method.bidirectional
    if folder is None or not (image or planar):
        return None
    snaps = folder.path / "snapshots"
    snaps.mkdir(exist_ok=True)
    if image:
        def snapshot(step, ctx):
            grid = save_image_grid(folder.path, ctx.fake[:64], step)
            logger.add_image("samples", grid, step)
        return snapshot
    extent = plot_extent(run.dataset.test)
    np.save(snaps / "heldout.npy", run.dataset.test[:2000].numpy().astype(np.float32))
    if run.method.critic_from_data:  # the Laguerre cells' targets, for plots
        np.save(snaps / "targets.npy", run.dataset.train.numpy().astype(np.float32))

    def snapshot(step, ctx):
        save_snapshot(folder.path, critic_snapshot(run.critic, run.normalizer.encode, extent,
                                                   ctx.fake, step))
    return snapshot


def write_summary(run, evaluator, wall: float) -> dict:
    """summary.json: the final evaluation, the noise floor and what evaluation cost."""
    last = dict(evaluator.latest)
    last.pop("eval", None)
    summary = {k: v for k, v in last.items() if not isinstance(v, dict)}
    summary["eval_step"] = summary.pop("step", None)
    floor = noise_floor(run.dataset, run.config.eval_n)
    if floor is not None:
        summary["w1_floor"] = floor
    state = run.state
    summary.update(steps=state.step, critic_steps=state.critic_steps,
                   train_time=state.train_time, wall_time=wall,
                   eval_wait_time=evaluator.seconds_sync,
                   eval_overhead_pct=100.0 * evaluator.seconds_sync / max(state.train_time, 1e-9))
    atomic_write_json(run.folder.file(SUMMARY), summary)
    return summary


def plot_run_samples(run) -> Path:
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


def latent_figures(run) -> list[Path]:
    """reconstruction.png (and interpolation.png for images) of a run with an encoder, from
    held-out data: x beside G(E(x)), and G along latent segments between encoded pairs."""
    test = run.dataset.test
    image = len(run.data_shape) == 3
    n, pairs, steps = (64, 8, 10) if image else (min(200, test.shape[0]), 8, 50)
    x = test[:n]
    recon = latent.reconstruct(run, x, "encoder")
    a, b = test[n:n + pairs], test[n + pairs:n + 2 * pairs]
    za, zb = (latent.codes(run, v, "encoder") for v in (a, b))
    t = torch.linspace(0, 1, steps)[None, :, None]
    path = run.generate(torch.lerp(za[:, None], zb[:, None], t).flatten(0, 1)).cpu()
    path = path.reshape(a.shape[0], steps, *run.data_shape)
    out = [run.folder.file(RECONSTRUCTION_PNG)]
    if image:
        atomic_write_bytes(out[0], reconstruction_rows(x, recon))
        out.append(run.folder.file(INTERPOLATION_PNG))
        atomic_write_bytes(out[1], interpolation_grid(a, path, b))
    else:
        atomic_write_bytes(out[0], reconstruction_lines(test[:2000], x, recon, path,
                                                        f"{run.config.method}"))
    return out


def finish(run, evaluator, wall: float) -> None:
    """The last files of a run that trained to its end."""
    write_summary(run, evaluator, wall)
    plot_run_samples(run)
    if run.has_encoder and (len(run.data_shape) == 3 or run.data_shape == (2,)):
        latent_figures(run)
    write_report(run.folder.path)
