"""Crash-safe file writes (a file that replaces another is never seen half-written), and the
identity of a file's contents (``digest``).

Each write goes to a temporary file in the same folder, is flushed and fsynced, then renamed over
the target (atomic on POSIX), and the folder is fsynced; a crash leaves the old file or the new
one.  Temporary names start with ``.`` and contain ``.tmp-<pid>`` so that a run folder can sweep
up what a killed writer left.
"""

from __future__ import annotations

import contextlib
import hashlib
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


def digest(path: str | Path, suffixes: tuple[str, ...] | None = None) -> dict:
    """The identity of a file's contents, {"sha256", "size"}; of a folder, the same over its
    files (each one's path relative to the folder and its bytes, in sorted order; ``suffixes``:
    only the files with those suffixes), with their number ("files")."""
    path = Path(path)
    h = hashlib.sha256()
    if not path.is_dir():
        size = _hash_file(path, h)
        return {"sha256": h.hexdigest(), "size": size}
    files = sorted(f for f in path.rglob("*") if f.is_file()
                   and (suffixes is None or f.suffix.lower() in suffixes))
    size = 0
    for f in files:
        h.update(str(f.relative_to(path)).encode() + b"\0")
        size += _hash_file(f, h)
    return {"sha256": h.hexdigest(), "size": size, "files": len(files)}


def _hash_file(path: Path, h) -> int:
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return size
