"""Crash-safe file writes: a file that replaces another is never seen half-written.

Each write goes to a temporary file in the same folder, is flushed and fsynced, then renamed over
the target (atomic on POSIX), and the folder is fsynced; a crash leaves the old file or the new
one.  Temporary names start with ``.`` and contain ``.tmp-<pid>`` so that a run folder can sweep
up what a killed writer left.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

TMP_MARK = ".tmp-"


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):  # e.g. a read-only disk: the first error is the one
            tmp.unlink(missing_ok=True)
        # name the file, not its temporary (a full disk's write error names no file at all)
        if isinstance(e, OSError) and e.filename in (None, str(tmp)):
            raise OSError(e.errno, e.strerror, str(path)) from None
        raise
    fsync_dir(path.parent)


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode())


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
