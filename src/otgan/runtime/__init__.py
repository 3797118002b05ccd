"""Where and how a run computes: the device, the arithmetic (fp32 or bf16 autocast), and the
process's place in a distributed job."""

from .device import resolve_device, set_threads
from .distributed import SINGLE, World, init_from_env
from .precision import autocast, full_precision, upcast

__all__ = ["SINGLE", "World", "autocast", "full_precision", "init_from_env", "resolve_device",
           "set_threads", "upcast"]
