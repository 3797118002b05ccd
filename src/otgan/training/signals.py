"""SIGINT and SIGTERM during training: record the request, stop between two updates."""

from __future__ import annotations

import contextlib
import signal
import threading

from ..errors import OtganError


class Interrupted(OtganError):
    """A signal stopped training; a checkpoint of the last completed update was saved."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.exit_code = 128 + signum


class StopRequest:
    """Signal handler that only records the request; the loop stops between updates."""

    def __init__(self):
        self.signum: int | None = None

    def __call__(self, signum, frame):
        if self.signum is None:
            self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


@contextlib.contextmanager
def graceful_signals(stop: StopRequest):
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
