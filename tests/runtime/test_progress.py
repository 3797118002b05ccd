"""When a progress bar shows by default: in a terminal or a Jupyter kernel, not in a process
that merely imported ipykernel (a test runner that ran notebooks, say)."""

import importlib.util

import pytest

from otgan.runtime.progress import wanted


def test_an_explicit_choice_wins():
    assert wanted(True) is True and wanted(False) is False


def test_ipykernel_imported_is_no_notebook(monkeypatch):
    if importlib.util.find_spec("ipykernel") is None:
        pytest.skip("needs ipykernel")
    import ipykernel  # noqa: F401

    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    assert wanted(None) is False
