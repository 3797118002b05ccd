"""The course's figures on demand: ``otgan figure NAME --out DIR`` writes ``NAME.png`` and
``NAME.json`` (the numbers the figure shows).

Each figure is one module with a ``make(out, quick) -> dict`` function registered in
``FIGURES``; ``quick`` runs a smaller version (fewer points on the curves, fewer updates) for
tests and first looks, the full one is what the docs show.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import ConfigError
from ..fileio import atomic_write_json
from . import (asgd_rate, clip_vs_gp, js_vs_w, laguerre, mode_collapse, optimal_discriminator,
               power_iteration, unit_gradient)


@dataclass(frozen=True)
class Figure:
    name: str
    summary: str
    make: Callable[[Path, bool], dict]
    outputs: tuple[str, ...] = ()  # the files it writes in its folder


FIGURES = {f.name: f for f in (
    Figure("js-vs-w", js_vs_w.SUMMARY, js_vs_w.make, ("js-vs-w.png", "js-vs-w.json")),
    Figure("clip-vs-gp", clip_vs_gp.SUMMARY, clip_vs_gp.make,
           ("clip-vs-gp.png", "clip-vs-gp-gradients.png", "clip-vs-gp.json")),
    *(Figure(name, m.SUMMARY, m.make, (f"{name}.png", f"{name}.json")) for name, m in (
        ("laguerre", laguerre), ("unit-gradient", unit_gradient),
        ("power-iteration", power_iteration), ("optimal-discriminator", optimal_discriminator),
        ("asgd-rate", asgd_rate), ("mode-collapse", mode_collapse))),
)}


def make_figure(name: str, out: str | Path, quick: bool = False) -> dict:
    """Draw one of the course's figures from measurements (``otgan figure NAME``).

    Parameters
    ----------
    name : str
        A name of ``FIGURES`` (``otgan figure --list``).
    out : str or path
        The folder ``name.png`` and ``name.json`` are written to (created).
    quick : bool
        A smaller version (fewer points on the curves, fewer updates), for tests and first
        looks; the full one is what the docs show.

    Returns
    -------
    dict
        The numbers the figure shows, as written to ``name.json``.
    """
    if name not in FIGURES:
        import difflib

        close = difflib.get_close_matches(name, list(FIGURES), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown figure {name!r} (otgan figure --list names them){hint}")
    import torch

    from ..runtime.device import set_threads

    set_threads(torch.device("cpu"), 1)  # one thread: the figures' numbers are reproducible
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    numbers = FIGURES[name].make(out, quick)
    numbers = {"figure": name, "quick": quick, **numbers}
    atomic_write_json(out / f"{name}.json", numbers)
    return numbers


__all__ = ["FIGURES", "Figure", "make_figure"]
