"""What a checkpoint holds, and the writer that keeps track of the last good one."""

from __future__ import annotations

from .._version import __version__
from ..rundir import CHECKPOINT, FORMAT_VERSION, RunDir


def checkpoint_dict(run) -> dict:
    """Everything needed to continue ``run`` (or to sample from it), weights_only-loadable."""
    models, state = run.models, run.state
    if state is not None:
        weights = state.state_dict()
    else:
        weights = {"generator": models.generator.state_dict(),
                   "critic": models.critic.state_dict(),
                   "ema": None if models.ema is None else models.ema.state_dict()}
    return {"format": FORMAT_VERSION, "otgan_version": __version__,
            "config": run.config.to_dict(), "data_shape": list(run.data_shape),
            "normalizer": run.normalizer.state_dict(), "state": weights,
            "method": models.method.state_dict()}


class Checkpoints:
    """Saves ``run``'s checkpoints into its folder and remembers the step of the last one.

    ``before()`` runs before each save: the training loop passes the evaluator's flush, so
    that every record up to a checkpoint's step is in metrics.jsonl before the checkpoint
    exists (a resume keeps the records up to its step and rewrites the rest)."""

    def __init__(self, run, last_step: int | None = None, before=None):
        self.run, self.last_step, self.before = run, last_step, before

    def save(self, state=None) -> None:
        folder: RunDir | None = self.run.folder
        if folder is not None:
            if self.before is not None:
                self.before()
            folder.save_checkpoint(checkpoint_dict(self.run))
            self.last_step = self.run.state.step if self.run.state is not None else None

    def describe_last(self) -> str:
        folder = self.run.folder
        if folder is None:
            return "no run folder"
        if self.last_step is None:
            return "no checkpoint was written by this run"
        return f"last good checkpoint: {folder.file(CHECKPOINT)} (step {self.last_step})"
