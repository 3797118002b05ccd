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
