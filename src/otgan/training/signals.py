"""SIGINT, SIGTERM and SIGPIPE during training.

The first signal is recorded and the loop stops between two updates (a generator update takes
milliseconds to a fraction of a second), saving a checkpoint.  Inside a section marked
``interruptible`` (an evaluation, which may train the image classifier or compute FID for many
seconds) it stops at once: nothing there changes the training state, so the checkpoint of the
last update is still saved.  A second signal stops at once wherever it lands (``StopNow`` with
``hard``): nothing more is written, and what was written is intact (every file otgan writes is
replaced atomically or appended line by line).  A SIGTERM repeating a SIGTERM within
``SAME_REQUEST_S`` seconds is the same request, not a second one: SLURM sends SIGTERM to every
process of a job it preempts, and torchrun's agent, getting one too, sends its workers another
at once (both arrive within a millisecond; the graceful stop they ask for takes well under a
second).

SIGPIPE is the output closed (``runtime/console.py`` sends it when a write finds the reader of
standard output or error gone): a first signal like the others, never a second one (every
later write to the closed pipe is the same event, and the message that reports a stop may be
the write that finds it closed).
"""

from __future__ import annotations

import contextlib
import contextvars
import signal
import threading
import time

from ..errors import OtganError
from ..runtime import console


class Interrupted(OtganError):
    """A signal stopped training; a checkpoint of the last completed update was saved."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.signum, self.exit_code = signum, 128 + signum

    def __reduce__(self):  # from a worker process to its parent
        return type(self), (str(self), self.signum)


class StopNow(BaseException):
    """Raised by the signal handler: inside an interruptible section (``hard`` False: the
    training state is consistent) or at a second signal (``hard`` True: it may not be)."""

    def __init__(self, signum: int, hard: bool):
        super().__init__(signal_name(signum))
        self.signum, self.hard = signum, hard


#: a SIGTERM this soon after the first is the same stop request (module doc)
SAME_REQUEST_S = 2.0


class StopRequest:
    """Signal handler: records the first signal; raises ``StopNow`` where waiting would not do."""

    def __init__(self):
        self.signum: int | None = None
        self._sections = 0
        self._at = 0.0

    def __call__(self, signum, frame):
        if signum == console.SIGPIPE and (self.signum is not None or not console.claim_stop()):
            return  # the closed output again, or already stopping for another signal
        if self.signum is not None:
            if signum == self.signum == signal.SIGTERM \
                    and time.monotonic() - self._at < SAME_REQUEST_S:
                return
            raise StopNow(signum, hard=True)
        self.signum, self._at = signum, time.monotonic()
        if self._sections:
            raise StopNow(signum, hard=False)

    @contextlib.contextmanager
    def interruptible(self):
        """A section the first signal may cut short (it must not change the training state)."""
        if self.signum is not None:
            raise StopNow(self.signum, hard=False)
        self._sections += 1
        try:
            yield
        finally:
            self._sections -= 1

    @property
    def name(self) -> str:
        return signal_name(self.signum)

    @property
    def received(self) -> str:
        """What stopped the run, in words."""
        if self.signum == console.SIGPIPE:
            return console.describe()
        return f"{self.name} received"


#: how a stopped run is continued, in words, where a command trains the runs of a folder of its
#: own (a sweep, a benchmark): the same command again, not ``otgan train --resume`` on one run
_CONTINUED_BY: contextvars.ContextVar[str | None] = contextvars.ContextVar("continued_by",
                                                                         default=None)


@contextlib.contextmanager
def continued_by(words: str):
    """Runs trained inside this block, stopped by a signal, say ``continue with: WORDS``."""
    token = _CONTINUED_BY.set(words)
    try:
        yield
    finally:
        _CONTINUED_BY.reset(token)


def how_to_continue(run_folder) -> str:
    """``continued_by``'s words, or the run's own ``otgan train --resume``."""
    return _CONTINUED_BY.get() or (f"otgan train --resume {run_folder} (or the same otgan train "
                                   f"command again)")


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


@contextlib.contextmanager
def graceful_signals(stop: StopRequest):
    """SIGINT/SIGTERM go to ``stop`` instead of killing the process, and SIGPIPE where this
    process watches its output (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = (signal.SIGINT, signal.SIGTERM) + ((console.SIGPIPE,) if console.watching() else ())
    previous = {sig: signal.signal(sig, stop) for sig in sigs}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
