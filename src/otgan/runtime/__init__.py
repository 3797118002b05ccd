"""Where and how a run computes: the device, the arithmetic (fp32 or bf16 autocast), and the
process's place in a distributed job; and what a command says (``console.py``: its output
streams and warnings).

The names below are imported on first use (PEP 562), so that the command can guard its output
(``console.install``) before PyTorch is loaded, or without loading it at all (``--help``).
"""

from .._lazy import lazy_face

_WHERE = {"SINGLE": ".distributed", "World": ".distributed", "init_from_env": ".distributed",
          "autocast": ".precision", "full_precision": ".precision", "upcast": ".precision",
          "resolve_device": ".device", "set_threads": ".device"}
__getattr__, __dir__, __all__ = lazy_face(__name__, _WHERE)
