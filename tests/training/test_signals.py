"""The training signal handler: the first signal waits for the end of an update, except inside
an interruptible section; the second stops at once."""

import signal

import pytest

from otgan.training import signals
from otgan.training.signals import StopNow, StopRequest


def test_first_signal_is_recorded_second_stops_at_once():
    stop = StopRequest()
    stop(signal.SIGTERM, None)
    assert stop.signum == signal.SIGTERM and stop.name == "SIGTERM"
    with pytest.raises(StopNow) as e:
        stop(signal.SIGINT, None)
    assert e.value.hard and e.value.signum == signal.SIGINT


def test_first_signal_cuts_an_interruptible_section_short():
    stop = StopRequest()
    with pytest.raises(StopNow) as e:
        with stop.interruptible():
            stop(signal.SIGINT, None)
    assert not e.value.hard and stop.signum == signal.SIGINT
    with pytest.raises(StopNow):  # stopping already: a new section does not start
        with stop.interruptible():
            pass


def test_outside_a_section_the_first_signal_only_records():
    stop = StopRequest()
    with stop.interruptible():
        pass
    stop(signal.SIGINT, None)
    assert stop.signum == signal.SIGINT


@pytest.fixture
def output_closed(monkeypatch):
    """This process watches its output, and found stdout closed."""
    import os

    from otgan.runtime import console

    monkeypatch.setattr(console._State, "closed", {"stdout"})
    monkeypatch.setattr(console._State, "claimed", False)
    monkeypatch.setattr(console._State, "owner", os.getpid())


def test_a_closed_output_stops_like_a_first_signal_and_only_once(output_closed):
    stop = StopRequest()
    stop(signal.SIGPIPE, None)
    assert stop.signum == signal.SIGPIPE and "stdout closed" in stop.received
    stop(signal.SIGPIPE, None)  # every later write to the closed pipe: the same event
    with pytest.raises(StopNow) as e:  # a signal after it is a second signal
        stop(signal.SIGTERM, None)
    assert e.value.hard


def test_the_output_closed_while_stopping_is_not_a_second_signal(output_closed):
    """The message that reports a SIGTERM may be the write that finds the output closed."""
    stop = StopRequest()
    stop(signal.SIGTERM, None)
    stop(signal.SIGPIPE, None)
    assert stop.signum == signal.SIGTERM and stop.received == "SIGTERM received"


def test_a_sigpipe_with_no_output_closed_is_ignored():
    stop = StopRequest()  # (a socket's reader gone, say)
    stop(signal.SIGPIPE, None)
    assert stop.signum is None


def test_a_sigterm_repeated_at_once_is_the_same_request(monkeypatch):
    """SLURM's SIGTERM and torchrun's agent's arrive together: one graceful stop; a SIGTERM
    later, or a SIGINT, is a second signal."""
    clock = [100.0]
    monkeypatch.setattr(signals.time, "monotonic", lambda: clock[0])
    stop = StopRequest()
    stop(signal.SIGTERM, None)
    clock[0] += 0.001
    stop(signal.SIGTERM, None)  # the same request: nothing raised
    with pytest.raises(StopNow) as e:
        stop(signal.SIGINT, None)
    assert e.value.hard
    clock[0] += signals.SAME_REQUEST_S
    with pytest.raises(StopNow) as e:
        stop(signal.SIGTERM, None)
    assert e.value.hard and e.value.signum == signal.SIGTERM
