"""The console: a stream whose reader went away goes to /dev/null and asks the process to stop
(SIGPIPE), once; a Python warning is one line.  (Whole commands with real pipes closed early:
tests/test_fuzz.py, section 9.)"""

import os
import signal
import stat
import subprocess
import sys
import warnings

import pytest

from otgan.runtime import console


@pytest.fixture
def fresh_state(monkeypatch):
    """This process's console state, as if nothing had been closed yet, and SIGPIPE ignored
    as Python starts (an in-process ``otgan`` command before may have installed its handler);
    both restored after."""
    monkeypatch.setattr(console._State, "closed", set())
    monkeypatch.setattr(console._State, "claimed", False)
    monkeypatch.setattr(console._State, "owner", None)
    previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    yield console._State
    signal.signal(signal.SIGPIPE, previous)


@pytest.fixture
def closed_pipe():
    """A text stream on a pipe whose reader has exited."""
    r, w = os.pipe()
    os.close(r)
    stream = open(w, "w")
    yield stream
    try:
        stream.close()
    except BrokenPipeError:  # an unguarded stream's buffer, still for the pipe
        pass


def test_a_closed_pipe_goes_to_devnull_without_raising(fresh_state, closed_pipe):
    guarded = console._Guarded(closed_pipe, "stdout")
    with pytest.raises(BrokenPipeError):  # what every print would meet unguarded
        closed_pipe.write("x" * 100)
        closed_pipe.flush()
    assert guarded.write("a line\n") == 7
    guarded.flush()  # once more: nothing raised, nothing waits
    print("another", file=guarded, flush=True)
    assert stat.S_ISCHR(os.fstat(closed_pipe.fileno()).st_mode)  # /dev/null now
    assert console.output_closed() == ("stdout",)
    assert not console.claim_stop()  # this process was not watching: nobody stops


def test_the_first_closed_stream_sends_sigpipe_once_and_one_claim_stops(fresh_state,
                                                                        closed_pipe):
    received = []
    previous = signal.signal(signal.SIGPIPE, lambda s, f: received.append(s))
    try:
        fresh_state.owner = os.getpid()
        guarded = console._Guarded(closed_pipe, "stderr")
        for _ in range(3):
            print("to nobody", file=guarded, flush=True)
        assert received and set(received) == {signal.SIGPIPE}
        assert console.claim_stop() and not console.claim_stop()
        assert "stderr closed (SIGPIPE" in console.describe()
    finally:
        signal.signal(signal.SIGPIPE, previous)


def test_other_errors_are_not_swallowed(fresh_state, tmp_path):
    stream = open(tmp_path / "f", "w")
    stream.close()
    with pytest.raises(ValueError):
        console._Guarded(stream, "stdout").write("x")


def test_outside_training_sigpipe_stops_the_command_once(fresh_state, closed_pipe):
    fresh_state.owner = os.getpid()
    print("x", file=console._Guarded(closed_pipe, "stdout"), flush=True)
    with pytest.raises(console.OutputClosed) as e:
        console._on_sigpipe(signal.SIGPIPE, None)
    assert e.value.exit_code == 141
    console._on_sigpipe(signal.SIGPIPE, None)  # the same closed pipe: nothing more


def test_a_sigpipe_while_an_error_is_reported_does_not_replace_it(fresh_state, closed_pipe):
    fresh_state.owner = os.getpid()
    print("x", file=console._Guarded(closed_pipe, "stderr"), flush=True)
    try:
        raise KeyError("the error being reported")
    except KeyError:
        console._on_sigpipe(signal.SIGPIPE, None)  # returns: the report goes on


def test_a_sigpipe_from_elsewhere_stops_nothing(fresh_state):
    fresh_state.owner = os.getpid()  # (a socket's reader gone, say): no stream found closed
    console._on_sigpipe(signal.SIGPIPE, None)
    assert not fresh_state.claimed


def test_guarded_output_guards_for_a_block_and_gives_the_streams_back(fresh_state):
    before = sys.stdout, sys.stderr
    with console.guarded_output():
        assert isinstance(sys.stdout, console._Guarded) and console.watching()
        with console.guarded_output():  # nested: nothing more
            assert sys.stdout._stream is before[0]
    assert (sys.stdout, sys.stderr) == before and not console.watching()


def test_a_warning_is_one_line_on_stderr(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = console._show_warning
        warnings.warn("loadtxt: input contained\n   no data", UserWarning)
    assert capsys.readouterr().err == "otgan: warning: loadtxt: input contained no data\n"


def test_install_makes_every_warning_one_line_in_a_fresh_process():
    """(and loads no PyTorch: the command installs it first, `--help` included)"""
    code = ("import sys; from otgan.runtime.console import install; install(); "
            "import warnings, numpy; warnings.warn('first'); numpy.float64(1e308) * 10; "
            "print('done', 'torch' in sys.modules)")
    p = subprocess.run([sys.executable, "-W", "always", "-c", code], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines() == ["otgan: warning: first",
                                     "otgan: warning: overflow encountered in scalar multiply"]
    assert p.stdout == "done False\n"
