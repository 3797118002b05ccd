"""What a run puts in its checkpoint, and the writer that keeps track of the last good one.

The checkpoint's format (what it holds, how it is written, read and validated) is
``rundir.checkpoint_record`` / ``rundir.load_checkpoint_file``; this module gathers the run's
part of it."""

from __future__ import annotations

from pathlib import Path

from .._version import __version__
from ..rundir import RunDir, checkpoint_record, serialize


def checkpoint_dict(run) -> dict:
    """Everything needed to continue ``run`` (or to sample from it), weights_only-loadable."""
    models, state = run.models, run.state
    if state is not None:
        weights = state.state_dict()
    else:
        weights = {"generator": models.generator.state_dict(),
                   "critic": models.critic.state_dict(),
                   "ema": None if models.ema is None else models.ema.state_dict()}
    return checkpoint_record(config=run.config.to_dict(), data_shape=run.data_shape,
                             normalizer=run.normalizer.state_dict(), state=weights,
                             method=models.method.state_dict(), otgan_version=__version__)


class Checkpoints:
    """Saves ``run``'s checkpoints into its folder and remembers the last one (step, file).

    The state is serialized when ``save`` is called; the write goes through ``defer(write)``:
    the training loop passes the evaluator's ``then``, which writes the checkpoint once every
    evaluation record up to its step is in metrics.jsonl (at once when none is pending), so a
    resume after a kill finds every record up to its step and training never waits for an
    evaluation running in the background."""

    def __init__(self, run, last_step: int | None = None, defer=None,
                 last_path: Path | None = None):
        self.run, self.last_step, self.last_path = run, last_step, last_path
        self.defer = defer or (lambda write: write())

    def save(self, state=None) -> None:
        folder: RunDir | None = self.run.folder
        if folder is None:
            return
        data = serialize(checkpoint_dict(self.run))
        step = self.run.state.step if self.run.state is not None else None

        def write():
            self.last_path = folder.save_checkpoint(data)
            self.last_step = step

        self.defer(write)

    def describe_last(self) -> str:
        folder = self.run.folder
        if folder is None:
            return "no run folder"
        if self.last_step is None:
            return "no checkpoint was written by this run"
        return f"last good checkpoint: {self.last_path} (step {self.last_step})"
