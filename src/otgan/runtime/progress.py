"""Progress bars: when to show them, and the bar itself (``tqdm.auto``: a widget in notebooks,
text in terminals, on stderr)."""

from __future__ import annotations

import sys


def wanted(progress: bool | None) -> bool:
    """``progress`` where given; by default on in a terminal (stderr a tty) and in a notebook."""
    if progress is not None:
        return bool(progress)
    return _in_notebook() or sys.stderr.isatty()


def _in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (ipykernel merely imported is not one)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def bar(iterable=None, *, total: int | None = None, enabled: bool = True, desc: str = "",
        **kw):
    """A tqdm bar (``enabled`` False: a silent one); it refreshes at most twice a second."""
    if enabled:  # tqdm.auto: a widget in notebooks (it warns there when ipywidgets is missing)
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm

    return tqdm(iterable, total=total, disable=not enabled, desc=desc, dynamic_ncols=True,
                mininterval=0.5, leave=False, **kw)
