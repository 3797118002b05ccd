"""The ``otgan`` command, one module per command group:

- ``runs``: train (and --resume), sample, eval, show, report, compare, presets;
- ``tools``: the optimal-transport tools solve, critic, encode;
- ``sweep``: sweep and sweep collect;
- ``data``: data fetch, data show, figure;
- ``options``: what they share (parameter types that check their values, the config options);
- ``entry``: the ``otgan`` group and ``main``, which maps outcomes to exit codes.

The commands do the talking (options, printing); the work is the API's (``otgan.api``).
"""

from .entry import cli, main

__all__ = ["cli", "main"]
