"""The run folder: resolved config, metrics.jsonl, checkpoints, plots.

Layout of a run folder::

    config.json         resolved config, otgan/torch versions, seed, data summary
    metrics.jsonl       one JSON object per logging interval (and per evaluation)
    checkpoint.pt       everything needed to continue or sample (weights_only-loadable)
    checkpoint.prev.pt  the checkpoint before the last one (kept when a new one is written)
    samples.png         held-out data vs generated samples

Every file that replaces another is written atomically (temporary file in the same folder,
fsync, rename, fsync of the folder), so a crash leaves either the old or the new file, never a
half-written one.  metrics.jsonl is append-only; a torn last line is skipped on reading.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import torch

from .errors import RunFolderError
from .fileio import TMP_MARK, atomic_write_bytes, atomic_write_json

CONFIG = "config.json"
METRICS = "metrics.jsonl"
CHECKPOINT = "checkpoint.pt"
PREVIOUS = "checkpoint.prev.pt"
SAMPLES_PNG = "samples.png"
FORMAT_VERSION = 1
#: refuse to start a run on a disk with less free space than this
MIN_FREE_BYTES = 64 * 2**20


class RunDir:
    """A run folder on disk."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def file(self, name: str) -> Path:
        return self.path / name

    # -- creation and checks ---------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, overwrite: bool = False) -> "RunDir":
        """A new, empty, writable run folder.  ``overwrite`` replaces an earlier otgan run only."""
        p = Path(path)
        if p.exists() and not p.is_dir():
            raise RunFolderError(f"--out {p}: exists and is not a folder")
        if p.is_dir() and any(p.iterdir()):
            if not (p / CONFIG).is_file():
                raise RunFolderError(f"--out {p}: folder is not empty and is not an otgan run; "
                                     f"choose another folder")
            if not overwrite:
                raise RunFolderError(f"--out {p}: a run already exists there; pass --overwrite "
                                     f"to replace it or --resume to continue it")
            shutil.rmtree(p)
        try:
            p.mkdir(parents=True, exist_ok=True)
            probe = p / f".write-test-{os.getpid()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as e:
            raise RunFolderError(f"--out {p}: cannot write there ({e.strerror or e})") from None
        free = shutil.disk_usage(p).free
        if free < MIN_FREE_BYTES:
            raise RunFolderError(f"--out {p}: only {free / 2**20:.1f} MiB free on that disk; a "
                                 f"run needs at least {MIN_FREE_BYTES / 2**20:.0f} MiB")
        return cls(p)

    @classmethod
    def open(cls, path: str | Path) -> "RunDir":
        """An existing run folder (must hold config.json)."""
        p = Path(path)
        if not p.is_dir():
            raise RunFolderError(f"run folder not found: {p}")
        if not (p / CONFIG).is_file():
            raise RunFolderError(f"{p}: not an otgan run folder (no {CONFIG})")
        return cls(p)

    # -- config and metrics ----------------------------------------------------------------
    def write_config(self, record: dict) -> None:
        atomic_write_json(self.file(CONFIG), record)

    def read_config(self) -> dict:
        try:
            record = json.loads(self.file(CONFIG).read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise RunFolderError(f"{self.path}: unreadable {CONFIG}: {e}") from None
        if not isinstance(record, dict) or "config" not in record:
            raise RunFolderError(f"{self.path}: {CONFIG} has no 'config' entry")
        fmt = record.get("format", 0)
        if fmt > FORMAT_VERSION:
            raise RunFolderError(f"{self.path}: written by a newer otgan (format {fmt}, this "
                                 f"version reads {FORMAT_VERSION}); upgrade otgan")
        return record

    def append_metrics(self, record: dict) -> None:
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with open(self.file(METRICS), "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()

    def read_metrics(self) -> list[dict]:
        path = self.file(METRICS)
        if not path.is_file():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line torn by a crash
        return out

    def truncate_after(self, step: int) -> None:
        """Drop what a crashed segment recorded after ``step`` (metrics lines, snapshots)."""
        kept = [r for r in self.read_metrics() if r.get("step", 0) <= step]
        atomic_write_bytes(self.file(METRICS), "".join(
            json.dumps(r, separators=(",", ":")) + "\n" for r in kept).encode())
        for snap in (self.path / "snapshots").glob("step_*.npz"):
            if int(snap.stem.split("_")[1]) > step:
                snap.unlink()

    def clean_temporary(self) -> None:
        """Remove temporary files left by a writer that was killed mid-write."""
        for tmp in self.path.rglob(f".*{TMP_MARK}*"):
            tmp.unlink(missing_ok=True)

    # -- checkpoints -----------------------------------------------------------------------
    def save_checkpoint(self, state: dict) -> Path:
        buf = io.BytesIO()
        torch.save(state, buf)
        path = self.file(CHECKPOINT)
        if path.exists():
            os.replace(path, self.file(PREVIOUS))
        atomic_write_bytes(path, buf.getvalue())
        return path

    def load_checkpoint(self, map_location="cpu") -> dict:
        for name in (CHECKPOINT, PREVIOUS):
            path = self.file(name)
            if path.is_file():
                return load_checkpoint_file(path, map_location)
        raise RunFolderError(f"{self.path}: no checkpoint found")


def load_checkpoint_file(path: Path, map_location="cpu") -> dict:
    """Load a checkpoint without executing code from it (``weights_only=True``)."""
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # unpickling refusals and corrupt files alike
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise RunFolderError(f"{path}: refused or unreadable checkpoint ({first})") from None
    if not isinstance(state, dict) or state.get("format") is None:
        raise RunFolderError(f"{path}: not an otgan checkpoint")
    if state["format"] > FORMAT_VERSION:
        raise RunFolderError(f"{path}: written by a newer otgan (format {state['format']})")
    return state
