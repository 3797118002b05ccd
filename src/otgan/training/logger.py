"""Where records go: the run's history, metrics.jsonl, and TensorBoard event files."""

from __future__ import annotations

import numbers
import threading


class MetricsLogger:
    """Appends every record to ``history``, to metrics.jsonl, and its scalars to TensorBoard.

    Training records and evaluation records (``"eval": true``) share the file; TensorBoard tags
    are ``train/<key>`` and ``eval/<key>``.
    """

    def __init__(self, folder=None, tensorboard: bool = False, purge_step: int | None = None):
        self.folder = folder
        self.history: list[dict] = []
        self.tb = None
        if folder is not None and tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            before = set(threading.enumerate())
            # purge_step drops events a crashed segment wrote after the checkpoint it resumes
            self.tb = SummaryWriter(log_dir=str(folder.file("tensorboard")),
                                    purge_step=purge_step)
            self._writer_error = _ThreadErrors(set(threading.enumerate()) - before)

    def write(self, record: dict) -> None:
        """Append ``record``; raises OSError when the disk refused this or an earlier write."""
        self.history.append(record)
        if self.folder is not None:
            self.folder.append_metrics(record)
        if self.tb is not None:
            self._writer_error.raise_any()
            prefix = "eval" if record.get("eval") else "train"
            step = record["step"]
            for key, value in record.items():
                if key in ("step", "eval") or isinstance(value, bool):
                    continue
                if isinstance(value, numbers.Real):
                    self.tb.add_scalar(f"{prefix}/{key}", value, step)
                elif isinstance(value, dict):
                    for sub, v in value.items():
                        if isinstance(v, numbers.Real):
                            self.tb.add_scalar(f"{prefix}/{key}/{sub}", v, step)

    def add_image(self, tag: str, image, step: int) -> None:
        """An (H, W) or (H, W, 3) array in [0, 1] to TensorBoard (nothing without it)."""
        if self.tb is not None:
            self.tb.add_image(tag, image, step, dataformats="HW" if image.ndim == 2 else "HWC")

    def close(self) -> None:
        if self.tb is not None:
            tb, self.tb = self.tb, None
            try:
                tb.flush()
                tb.close()
            finally:
                self._writer_error.restore()
            self._writer_error.raise_any()


class _ThreadErrors:
    """Catches an OSError (a full disk) raised in TensorBoard's writer thread, which would print
    a traceback and die there, and raises it in the training thread at the next write."""

    def __init__(self, threads: set):
        self.threads, self.error = threads, None
        self.previous = threading.excepthook
        threading.excepthook = self._hook

    def _hook(self, args) -> None:
        if args.thread in self.threads and isinstance(args.exc_value, OSError):
            self.error = args.exc_value
        else:
            self.previous(args)

    def raise_any(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def restore(self) -> None:
        if threading.excepthook == self._hook:
            threading.excepthook = self.previous
