"""Which device a run uses, and how many CPU threads."""

from __future__ import annotations

import torch

from ..errors import ConfigError


def resolve_device(name: str) -> torch.device:
    """``auto`` (CUDA, else MPS, else CPU) or a named device that must exist on this machine."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r}: CUDA is not available on this machine")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and
                              torch.backends.mps.is_available()):
        raise ConfigError("device 'mps': MPS is not available on this machine")
    return torch.device(name)


def set_threads(device: torch.device, threads: int) -> None:
    """Use ``threads`` torch CPU threads (0: torch's default) when computing on the CPU."""
    if device.type == "cpu" and threads > 0:
        torch.set_num_threads(threads)
