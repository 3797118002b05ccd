"""The run folder: resolved config, metrics.jsonl, checkpoints, plots.

Layout of a run folder::

    config.json         resolved config, otgan/torch versions, seed, data summary
    metrics.jsonl       one JSON object per logging interval (and per evaluation)
    checkpoint.pt       everything needed to continue or sample (weights_only-loadable)
    checkpoint.prev.pt  the checkpoint before the last one (kept when a new one is written)
    samples.png         held-out data vs generated samples
    .otgan-run          the marker: only otgan writes it, and only a folder holding it is a run
    .otgan-lock         locked (flock) by the process training in the folder; holds its pid

``--overwrite`` removes otgan's own files only (``RUN_FILES``, ``RUN_FOLDERS`` with their own
contents) and refuses a folder that holds anything else, naming it.  The lock is released by
the kernel when its holder exits, however it exits: a killed process leaves no stale lock.

Every file that replaces another is written atomically (temporary file in the same folder,
fsync, rename, fsync of the folder), so a crash leaves either the old or the new file, never a
half-written one.  metrics.jsonl is append-only; a torn last line is skipped on reading.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import socket
import sys
import warnings
from pathlib import Path

from .errors import RunFolderError
from .fileio import TMP_MARK, atomic_write_bytes, atomic_write_json

CONFIG = "config.json"
METRICS = "metrics.jsonl"
CHECKPOINT = "checkpoint.pt"
PREVIOUS = "checkpoint.prev.pt"
SAMPLES_PNG = "samples.png"
#: the latent figures of a run with an encoder (BiGAN)
RECONSTRUCTION_PNG = "reconstruction.png"
INTERPOLATION_PNG = "interpolation.png"
MARKER = ".otgan-run"
LOCK = ".otgan-lock"
#: every file otgan writes at the top of a run folder (what --overwrite may remove)
RUN_FILES = frozenset({CONFIG, METRICS, CHECKPOINT, PREVIOUS, SAMPLES_PNG, MARKER, LOCK,
                       "summary.json", "report.html", "eval.json", "training.gif",
                       RECONSTRUCTION_PNG, INTERPOLATION_PNG})
#: folders otgan writes in a run folder, with the names of the files it writes there
RUN_FOLDERS = {"snapshots": ("step_*.npz", "heldout.npy"),
               "tensorboard": ("events.out.tfevents.*",)}
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
        """A new, empty, writable run folder, marked as otgan's.  ``overwrite`` removes an
        earlier otgan run's own files, and refuses a folder holding anything else."""
        p = Path(path)
        folder = cls(p)
        if p.exists() and not p.is_dir():
            raise RunFolderError(f"--out {p}: exists and is not a folder")
        if p.is_dir() and any(p.iterdir()):
            if not (p / MARKER).is_file() and not folder._legacy_run():
                raise RunFolderError(f"--out {p}: folder is not empty and is not an otgan run; "
                                     f"choose another folder")
            holder = folder.held_by()
            if holder is not None:
                raise RunFolderError(f"--out {p}: another otgan process is training in this "
                                     f"folder ({holder}); wait for it or stop it")
            if not overwrite:
                raise RunFolderError(f"--out {p}: a run already exists there; pass --overwrite "
                                     f"to replace it or --resume to continue it")
            folder.remove_own_files()
        folder._made = [d for d in (p, *p.parents) if not d.exists()]
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
        folder.lock()
        atomic_write_json(p / MARKER, {"otgan_run": FORMAT_VERSION})
        return folder

    def _legacy_run(self) -> bool:
        """A run written before the marker existed: an otgan config.json record, and nothing
        but otgan's own file names."""
        try:
            record = json.loads(self.file(CONFIG).read_text())
        except (OSError, ValueError):
            return False
        return (isinstance(record, dict) and {"format", "config", "versions"} <= set(record)
                and self.file(CHECKPOINT).is_file() and not self.foreign_files())

    def foreign_files(self) -> list[Path]:
        """What the folder holds that otgan did not write (by name)."""
        out = []
        for entry in sorted(self.path.iterdir()):
            if entry.name in RUN_FOLDERS and entry.is_dir() and not entry.is_symlink():
                patterns = RUN_FOLDERS[entry.name]
                out += [f for f in sorted(entry.iterdir()) if f.is_dir() or f.is_symlink()
                        or not any(f.match(pat) for pat in patterns)
                        and TMP_MARK not in f.name]
            elif not (entry.name in RUN_FILES and entry.is_file() and not entry.is_symlink()
                      or TMP_MARK in entry.name and entry.is_file()):
                out.append(entry)
        return out

    def remove_own_files(self) -> None:
        """Delete the run's own files (for --overwrite); refuse, deleting nothing, when the
        folder holds anything otgan did not write or another process trains in it."""
        foreign = self.foreign_files()
        if foreign:
            names = ", ".join(str(f.relative_to(self.path)) for f in foreign[:3])
            more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
            raise RunFolderError(f"--out {self.path}: --overwrite removes only otgan's own "
                                 f"files, and this folder also holds {names}{more}; move them "
                                 f"away or choose another folder")
        self.lock()
        for entry in sorted(self.path.iterdir()):
            if entry.is_dir():
                for f in entry.iterdir():
                    f.unlink()
                entry.rmdir()
            elif entry.name not in (LOCK, MARKER):
                entry.unlink()
        # the marker goes last: a crash midway leaves a folder still known as otgan's
        (self.path / MARKER).unlink(missing_ok=True)

    def lock(self) -> None:
        """Hold the folder's lock until this process exits or ``unlock``; a clear error naming
        the holder when another process holds it."""
        if getattr(self, "_lock_fd", None) is not None:
            return
        try:
            fd = os.open(self.file(LOCK), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise RunFolderError(f"{self.path}: cannot create its lock file "
                                 f"({e.strerror or e})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            finally:
                os.close(fd)
            raise RunFolderError(f"{self.path}: another otgan process is training in this "
                                 f"folder ({holder}); wait for it or stop it") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        self._lock_fd = fd

    def held_by(self) -> str | None:
        """Who holds the folder's lock ("pid N on HOST"), or None; the lock is not taken."""
        try:
            fd = os.open(self.file(LOCK), os.O_RDONLY)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return None
        except OSError:
            return os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
        finally:
            os.close(fd)

    def discard(self) -> None:
        """Undo ``create`` when the run failed to start before writing anything: the marker,
        the lock, and the folders ``create`` made, if nothing else is in them."""
        self.unlock()
        for name in (MARKER, LOCK):
            self.file(name).unlink(missing_ok=True)
        for d in getattr(self, "_made", []):
            try:
                d.rmdir()
            except OSError:
                break  # not empty: something else is there now

    def unlock(self) -> None:
        fd = getattr(self, "_lock_fd", None)
        if fd is not None:
            self._lock_fd = None
            os.close(fd)  # releases the flock

    @classmethod
    def open(cls, path: str | Path) -> "RunDir":
        """An existing run folder (must hold config.json)."""
        p = Path(path)
        if not p.is_dir():
            raise RunFolderError(f"run folder not found: {p}")
        if not (p / CONFIG).is_file():
            raise RunFolderError(f"{p}: not an otgan run folder (no {CONFIG})")
        return cls(p)

    @staticmethod
    def holding(path: str | Path) -> Path | None:
        """The run folder that ``path`` (a file to write) lies in, or None."""
        parent = Path(path).resolve().parent
        return parent if (parent / MARKER).is_file() else None

    # -- config and metrics ----------------------------------------------------------------
    def write_config(self, record: dict) -> None:
        atomic_write_json(self.file(CONFIG), record)

    def read_config(self) -> dict:
        try:
            record = json.loads(self.file(CONFIG).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:  # JSON and UTF-8 errors are ValueErrors
            raise RunFolderError(f"{self.path}: unreadable {CONFIG}: {e}") from None
        if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
            raise RunFolderError(f"{self.path}: {CONFIG} has no 'config' table")
        fmt = record.get("format", 0)
        if type(fmt) is not int:
            raise RunFolderError(f"{self.path}: {CONFIG} has format {fmt!r}, not a number")
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
        out, bad = [], 0
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = _metrics_record(json.loads(line))
            except json.JSONDecodeError:
                record = None  # a line torn by a crash, or edited by hand
            if record is None:
                bad += line.strip() != ""
            else:
                out.append(record)
        if bad:
            print(f"otgan: {path}: skipped {bad} line(s) that are not otgan metrics records",
                  file=sys.stderr)
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
    def save_checkpoint(self, state: dict | bytes) -> Path:
        """Write a checkpoint (a state dict, or one already serialized with ``torch.save``),
        keeping the one it replaces as checkpoint.prev.pt."""
        if isinstance(state, dict):
            import torch

            buf = io.BytesIO()
            torch.save(state, buf)
            state = buf.getvalue()
        path = self.file(CHECKPOINT)
        if path.exists():
            os.replace(path, self.file(PREVIOUS))
        atomic_write_bytes(path, state)
        return path

    def load_checkpoint(self, map_location="cpu") -> dict:
        """The last checkpoint; the previous one, saying so on stderr, when the last is
        missing, truncated or refused."""
        refused = []
        for path in (self.file(CHECKPOINT), self.file(PREVIOUS)):
            if not path.exists():
                continue
            if not path.is_file():
                refused.append(f"{path}: is not a file")
                continue
            try:
                state = load_checkpoint_file(path, map_location)
            except RunFolderError as e:
                refused.append(str(e))
                continue
            if refused:
                print(f"otgan: {refused[0]}; using {path.name} "
                      f"(step {state['state'].get('step', '?')})", file=sys.stderr)
            return state
        if refused:
            raise RunFolderError("; and ".join(refused))
        raise RunFolderError(f"{self.path}: no checkpoint found")


def _metrics_record(obj) -> dict | None:
    """A metrics.jsonl record as otgan wrote it (a step and numbers), or None; values that are
    not numbers are dropped (the per-metric timings, a dict of numbers, are kept)."""
    if not isinstance(obj, dict) or type(obj.get("step")) is not int or obj["step"] < 0:
        return None

    def number(v):
        return v is None or isinstance(v, (int, float))

    return {k: v for k, v in obj.items()
            if number(v) or isinstance(v, dict) and all(number(x) for x in v.values())}


def check_outputs(paths, overwrite: bool = False, option: str = "--out") -> None:
    """Refuse, before anything is written, to write any of ``paths`` (files a command is about
    to write) over a run's own files or into a run folder's reserved names, or over an
    existing file without ``overwrite``."""
    for path in map(Path, paths):
        holder = RunDir.holding(path)
        if holder is not None and (path.name in RUN_FILES or path.name in RUN_FOLDERS):
            raise RunFolderError(f"{option} {path}: {path.name} belongs to the otgan run in "
                                 f"{holder}; write elsewhere")
        if path.is_dir():
            raise RunFolderError(f"{option} {path}: is a folder")
        if path.exists() and not overwrite:
            raise RunFolderError(f"{option} {path}: exists; pass --overwrite to replace it")


def check_output_folder(folder, names, overwrite: bool = False, option: str = "--out") -> None:
    """``check_outputs`` for the files ``names`` a command writes in ``folder``, which may not
    be a run folder."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise RunFolderError(f"{option} {folder}: exists and is not a folder")
    if (folder / MARKER).is_file():
        raise RunFolderError(f"{option} {folder}: is an otgan run folder; choose another folder")
    check_outputs([folder / n for n in names], overwrite, option)


def load_checkpoint_file(path: Path, map_location="cpu") -> dict:
    """Load a checkpoint without executing code from it (``weights_only=True``)."""
    import torch  # here: opening a run folder (and `otgan sample --help`) does not load it

    try:
        with warnings.catch_warnings():  # torch's remarks on odd pickles: the refusal says it
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # unpickling refusals and corrupt files alike
        text = str(e)
        if not _starts_as_zip(path):  # torch.save writes a zip archive; its errors on other
            why = "not a PyTorch checkpoint: corrupt, or another kind of file"  # bytes vary
        elif "Weights only load failed" in text or "Unsupported global" in text:
            why = "it holds objects other than tensors and plain values, which otgan never " \
                  "loads: code could run"
        elif isinstance(e, (EOFError, RuntimeError)) and ("zip" in text or "EOF" in text
                                                          or not text):
            why = "truncated or corrupt file"
        else:
            why = "not a PyTorch checkpoint"
        raise RunFolderError(f"{path}: refused or unreadable checkpoint ({why})") from None
    if not isinstance(state, dict) or type(state.get("format")) is not int \
            or not isinstance(state.get("state"), dict) \
            or type(state["state"].get("step", 0)) is not int:
        raise RunFolderError(f"{path}: not an otgan checkpoint")
    if state["format"] > FORMAT_VERSION:
        raise RunFolderError(f"{path}: written by a newer otgan (format {state['format']})")
    bad = _non_finite(state.get("state"))
    if bad:
        raise RunFolderError(f"{path}: holds NaN or infinite weights ({bad})")
    return state


def _starts_as_zip(path: Path) -> bool:
    """Whether ``path`` begins with a zip archive's signature, as every torch.save file does."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _non_finite(obj, name: str = "") -> str | None:
    """The name of the first floating tensor in ``obj`` with a NaN or Inf, or None."""
    import torch

    if isinstance(obj, torch.Tensor):
        return name if obj.is_floating_point() and not bool(torch.isfinite(obj).all()) else None
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) \
        if isinstance(obj, (list, tuple)) else ()
    for k, v in items:
        bad = _non_finite(v, f"{name}.{k}" if name else str(k))
        if bad:
            return bad
    return None
