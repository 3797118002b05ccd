"""What a command says, and to whom: standard output and error, whose reader may go away (a
pipe closed early: ``otgan train ... 2>&1 | head -3``), and Python's warnings.

``install()`` (the ``otgan`` command calls it once, first thing):

* ``sys.stdout`` and ``sys.stderr`` are guarded: the first write or flush that finds its
  stream's reader gone (EPIPE) points the stream's file descriptor at ``/dev/null``, so that
  every later write -- otgan's, a library's, the interpreter's at exit -- succeeds and goes
  nowhere, and sends the process's main thread SIGPIPE, once; nothing is raised where the
  write happened (inside a progress bar's lock, on a worker thread).
* SIGPIPE then stops the command the way SIGTERM does: ``OutputClosed`` (exit 141, 128 +
  SIGPIPE) in the main thread.  Training takes SIGPIPE over while it runs
  (``training/signals.py``): it stops between two updates, saves a checkpoint and exits 141.
* A Python warning becomes one line on stderr, ``otgan: warning: MESSAGE``.

``guarded_output()`` guards the streams for a block where nobody did (training called from
Python).  A forked child (a sweep's worker) inherits the guarded streams but stops for nobody:
its output goes nowhere once closed, and its parent stops when it next writes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import threading
import warnings

from ..errors import OtganError

SIGPIPE = getattr(signal, "SIGPIPE", None)  # None on Windows: no pipes to guard
PIPE_EXIT = 128 + (SIGPIPE or 13)


class OutputClosed(OtganError):
    """The reader of standard output or error went away (SIGPIPE)."""

    exit_code = PIPE_EXIT


class _State:
    #: the process whose output is watched (the one that guarded it): a forked child is not
    owner: int | None = None
    #: the streams found closed ("stdout", "stderr")
    closed: set = set()
    #: whether something has already stopped (or is stopping) for the closed output
    claimed = False


def watching() -> bool:
    """Whether this process stops when its output is closed (its streams are guarded here)."""
    return SIGPIPE is not None and _State.owner == os.getpid()


def output_closed() -> tuple[str, ...]:
    """The streams found closed so far."""
    return tuple(sorted(_State.closed))


def claim_stop() -> bool:
    """True once, after a stream was found closed in a watching process: the caller is the one
    that stops the command for it (every later SIGPIPE is the same closed pipe)."""
    if _State.claimed or not _State.closed or not watching():
        return False
    _State.claimed = True
    return True


def describe() -> str:
    names = " and ".join(output_closed()) or "the output"
    return f"{names} closed (SIGPIPE: the reader of a pipe exited)"


class _Guarded:
    """A text stream that, found closed, goes to /dev/null instead of raising."""

    def __init__(self, stream, name: str):
        self._stream, self._name = stream, name
        self._dropped = False  # closed and no descriptor to redirect: writes are dropped

    def write(self, s):
        if self._dropped:
            return len(s)
        try:
            return self._stream.write(s)
        except OSError as e:
            if e.errno != errno.EPIPE:
                raise
        self._closed()  # not in the except clause: SIGPIPE's handler tells the two apart
        return len(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        if self._dropped:
            return
        try:
            return self._stream.flush()
        except OSError as e:
            if e.errno != errno.EPIPE:
                raise
        self._closed()

    def _closed(self) -> None:
        try:
            fd = self._stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, fd)
            finally:
                os.close(null)
            with contextlib.suppress(OSError):  # what the failed write left in the buffer
                self._stream.flush()
        except (OSError, ValueError, AttributeError):  # no descriptor (a StringIO...)
            self._dropped = True
        first = not _State.closed
        _State.closed.add(self._name)
        if first and watching():
            _notify()

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def __repr__(self):
        return f"<guarded {self._stream!r}>"


def _notify() -> None:
    """SIGPIPE to the main thread (where its handler runs, and where a wait is cut short), if
    a Python handler takes it and the main thread still runs."""
    main = threading.main_thread()
    if not main.is_alive() or not callable(signal.getsignal(SIGPIPE)):
        return
    with contextlib.suppress(OSError, ValueError, RuntimeError):
        signal.pthread_kill(main.ident, SIGPIPE)


def _on_sigpipe(signum, frame) -> None:
    """Outside training: stop the command where it is; once, and not where the write that found
    the output closed was reporting an error already (the command is on its way out)."""
    if not claim_stop() or sys.exc_info()[0] is not None:
        return
    raise OutputClosed(describe())


def _guard_streams() -> list[tuple[str, object]]:
    """Guard sys.stdout and sys.stderr (those not guarded yet); returns what was replaced."""
    replaced = []
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _Guarded):
            replaced.append((name, stream))
            setattr(sys, name, _Guarded(stream, name))
    return replaced


@contextlib.contextmanager
def guarded_output():
    """The streams guarded for the block, where they were not already (by ``install``, or in
    the parent of a forked child, which then keeps not watching them)."""
    if isinstance(sys.stdout, _Guarded) and isinstance(sys.stderr, _Guarded):
        yield
        return
    owner = _State.owner
    replaced = _guard_streams()
    _State.owner = os.getpid()
    try:
        yield
    finally:
        _State.owner = owner
        for name, stream in replaced:
            setattr(sys, name, stream)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    text = " ".join(str(message).split())
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(f"otgan: warning: {text}", file=sys.stderr if file is None else file, flush=True)


def install() -> None:
    """For the ``otgan`` command, once, first thing in its main: guarded streams, SIGPIPE as a
    stop, warnings as one line.  Calling it again changes nothing more."""
    warnings.showwarning = _show_warning
    if SIGPIPE is None:
        return
    _guard_streams()
    _State.owner = os.getpid()
    if threading.current_thread() is threading.main_thread():
        signal.signal(SIGPIPE, _on_sigpipe)
