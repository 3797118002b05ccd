"""How much memory this machine has left, checked before a large allocation."""

from __future__ import annotations

import os

from ..errors import ConfigError


def available_bytes() -> int | None:
    """Memory available to new allocations (Linux ``MemAvailable``), or None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def require_memory(nbytes: int, what: str) -> None:
    """Refuse, before allocating, a request for more memory than the machine has left."""
    free = available_bytes()
    if free is not None and nbytes > free:
        raise ConfigError(f"{what} needs about {nbytes / 2**30:.1f} GiB of memory; this machine "
                          f"has {free / 2**30:.1f} GiB available")
