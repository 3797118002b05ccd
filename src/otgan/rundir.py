"""The run folder, and the files it holds: config.json, metrics.jsonl, the checkpoints.

Layout of a run folder::

    config.json         resolved config, otgan/torch versions, seed, data summary, inputs
    metrics.jsonl       one JSON object per logging interval (and per evaluation)
    checkpoint.pt       everything needed to continue or sample (weights_only-loadable)
    checkpoint.prev.pt  the checkpoint before the last one (kept when a new one is written)
    samples.png         held-out data vs generated samples
    .otgan-run          the marker: only otgan writes it, and only a folder holding it is a run
    .otgan-lock         locked (flock) by the process training in the folder; holds its pid

The folder is an ``owned.OwnedFolder``: ``--overwrite`` removes otgan's own files only
(``RUN_FILES``, ``RUN_FOLDERS`` with their own contents) and refuses a folder that holds
anything else, naming it; a damaged checkpoint is set aside (``checkpoint.pt.damaged``) by the
process resuming the run.  Each of the run's file formats is written, read and validated here
alone: config.json (``config_record``, ``read_config``, ``record_resume``), metrics.jsonl and
the checkpoint (``checkpoint_record``, ``load_checkpoint_file``).

Every file that replaces another is written atomically (temporary file in the same folder,
fsync, rename, fsync of the folder), so a crash leaves either the old or the new file, never a
half-written one.  metrics.jsonl is append-only; a torn last line is skipped on reading.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import os
import sys
import warnings
from pathlib import Path

from .errors import DamagedFile, RunFolderError
from .fileio import atomic_write_bytes, atomic_write_json
from .owned import Layout, OwnedFolder, say

CONFIG = "config.json"
METRICS = "metrics.jsonl"
CHECKPOINT = "checkpoint.pt"
PREVIOUS = "checkpoint.prev.pt"
SAMPLES_PNG = "samples.png"
#: the last files a run writes when it has trained to its end, in this order
SUMMARY = "summary.json"
REPORT = "report.html"
#: the latent figures of a run with an encoder (BiGAN)
RECONSTRUCTION_PNG = "reconstruction.png"
INTERPOLATION_PNG = "interpolation.png"
MARKER = ".otgan-run"
LOCK = ".otgan-lock"
#: every file otgan writes at the top of a run folder (what --overwrite may remove)
RUN_FILES = frozenset({CONFIG, METRICS, CHECKPOINT, PREVIOUS, SAMPLES_PNG, MARKER, LOCK,
                       SUMMARY, REPORT, "eval.json", "training.gif",
                       RECONSTRUCTION_PNG, INTERPOLATION_PNG})
#: folders otgan writes in a run folder, with the names of the files it writes there
RUN_FOLDERS = {"snapshots": ("step_*.npz", "grid_*.png", "heldout.npy", "targets.npy"),
               "tensorboard": ("events.out.tfevents.*",)}
FORMAT_VERSION = 1


class RunDir(OwnedFolder):
    """A run folder on disk (``owned.OwnedFolder``: marker, own files, lock, set-aside)."""

    LAYOUT = Layout(marker=MARKER, kind="otgan run", files=RUN_FILES, folders=RUN_FOLDERS,
                    lock=LOCK)

    # -- creation and checks ---------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, overwrite: bool = False) -> "RunDir":
        """A new, empty, writable run folder, marked as otgan's and locked.  ``overwrite``
        removes an earlier otgan run's own files, and refuses a folder holding anything
        else."""
        folder, _ = cls.claim(path, overwrite, "a run already exists there; pass --overwrite "
                                               "to replace it or --resume to continue it")
        folder.lock()
        folder.mark()
        return folder

    def unmarked_but_ours(self) -> bool:
        """A run written before the marker existed: an otgan config.json record, and nothing
        but otgan's own file names."""
        try:
            record = json.loads(self.file(CONFIG).read_text())
        except (OSError, ValueError):
            return False
        return (isinstance(record, dict) and {"format", "config", "versions"} <= set(record)
                and self.file(CHECKPOINT).is_file() and not self.foreign_files())

    @classmethod
    def open(cls, path: str | Path) -> "RunDir":
        """An existing run folder (must hold config.json)."""
        p = Path(path)
        if not p.is_dir():
            raise RunFolderError(f"run folder not found: {p}")
        if not (p / CONFIG).is_file():
            raise RunFolderError(f"{p}: not an otgan run folder (no {CONFIG})")
        return cls(p)

    @classmethod
    def started_by(cls, path: str | Path, requested: dict) -> "RunDir | None":
        """The run folder at ``path`` when the options ``requested`` started the run in it
        (config.json's ``requested``: the config a train command resolved from its options
        and config file, before training derived anything); None otherwise: nothing there,
        another run, a run recorded before otgan kept its request, an unreadable config.json.
        """
        folder = cls(path)
        if not folder.marked():
            return None
        try:
            record = folder.read_config()
        except (DamagedFile, RunFolderError):
            return None
        wanted = json.loads(json.dumps(requested))  # as it reads back from config.json
        return folder if record.get("requested") == wanted else None

    def has_checkpoint(self) -> bool:
        """Whether a checkpoint (the last or the previous one) is there, sound or not."""
        return any(self.file(n).exists() or self.file(n).is_symlink()
                   for n in (CHECKPOINT, PREVIOUS))

    def finished(self, step: int) -> bool:
        """Whether the run wrote its last files at ``step``, as a run that trained to its end
        does: summary.json of that step, then report.html."""
        try:
            summary = json.loads(self.file(SUMMARY).read_text(encoding="utf-8"))
            written = self.file(SUMMARY).stat().st_mtime <= self.file(REPORT).stat().st_mtime
        except (OSError, ValueError):
            return False
        return written and isinstance(summary, dict) and summary.get("steps") == step

    @staticmethod
    def holding(path: str | Path) -> Path | None:
        """The run folder that ``path`` (a file to write) lies in, or None."""
        parent = Path(path).resolve().parent
        return parent if (parent / MARKER).is_file() else None

    # -- config.json -----------------------------------------------------------------------
    def write_config(self, record: dict) -> None:
        atomic_write_json(self.file(CONFIG), record)

    def read_config(self) -> dict:
        """config.json as otgan wrote it (``config_record``); one line naming what is wrong."""
        try:
            record = json.loads(self.file(CONFIG).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:  # JSON and UTF-8 errors are ValueErrors
            raise DamagedFile(f"{self.path}: unreadable {CONFIG}: {e}") from None
        if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
            raise DamagedFile(f"{self.path}: {CONFIG} has no 'config' table")
        fmt = record.get("format", 0)
        if type(fmt) is not int:
            raise DamagedFile(f"{self.path}: {CONFIG} has format {fmt!r}, not a number")
        if fmt > FORMAT_VERSION:
            raise RunFolderError(f"{self.path}: written by a newer otgan (format {fmt}, this "
                                 f"version reads {FORMAT_VERSION}); upgrade otgan")
        inputs = record.get("inputs", {})
        if not isinstance(inputs, dict) or not all(isinstance(v, dict) for v in inputs.values()):
            raise DamagedFile(f"{self.file(CONFIG)}: its 'inputs' table is not otgan's")
        return record

    def record_resume(self, record: dict, config: dict, step: int, versions: dict,
                      world_size: int, inputs: dict | None = None,
                      changed: list | None = None) -> None:
        """config.json of a run continued from ``step``: its config now, one more entry in
        ``resumed`` (when, versions, ranks, and the inputs accepted though they changed), and
        the inputs it reads from now on."""
        record["config"] = config
        entry = {"from_step": step, "at": _now(), "versions": versions,
                 "world_size": world_size}
        if changed:
            entry["changed_inputs"] = changed
        record.setdefault("resumed", []).append(entry)
        if inputs is not None:
            record["inputs"] = inputs
        self.write_config(record)

    # -- metrics.jsonl ---------------------------------------------------------------------
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
            say(f"{path}: skipped {bad} line(s) that are not otgan metrics records")
        return out

    def truncate_after(self, step: int) -> None:
        """Drop what a crashed segment recorded after ``step`` (metrics lines, snapshots)."""
        kept = [r for r in self.read_metrics() if r.get("step", 0) <= step]
        atomic_write_bytes(self.file(METRICS), "".join(
            json.dumps(r, separators=(",", ":")) + "\n" for r in kept).encode())
        for pattern in ("step_*.npz", "grid_*.png"):  # (points' snapshots, images' grids)
            for snap in (self.path / "snapshots").glob(pattern):
                if int(snap.stem.split("_")[1]) > step:
                    snap.unlink()

    # -- checkpoints -----------------------------------------------------------------------
    def save_checkpoint(self, state: dict | bytes) -> Path:
        """Write a checkpoint (``checkpoint_record``'s dict, or its ``serialize``d bytes),
        keeping the one it replaces as checkpoint.prev.pt."""
        if isinstance(state, dict):
            state = serialize(state)
        path = self.file(CHECKPOINT)
        self.make_room(path)
        if path.is_file():
            self.make_room(self.file(PREVIOUS))
            os.replace(path, self.file(PREVIOUS))
        atomic_write_bytes(path, state)
        self.loaded_from = path
        return path

    def load_checkpoint(self, map_location="cpu", quiet: bool = False) -> dict:
        """The last checkpoint; the previous one, saying so in one line (unless ``quiet``),
        when the last is missing, truncated or refused (set aside when this process holds the
        folder's lock: a resume).  ``loaded_from`` is then the file read."""
        found = self.read_newest((self.file(CHECKPOINT), self.file(PREVIOUS)),
                                 lambda p: load_checkpoint_file(p, map_location),
                                 lambda s: f" (step {s['state'].get('step', '?')})",
                                 repair=self.holds(), quiet=quiet)
        if found is None:
            raise RunFolderError(f"{self.path}: no checkpoint found")
        state, self.loaded_from = found
        return state


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def config_record(*, config: dict, seed: int, device: str, world_size: int, data: dict,
                  networks: dict, versions: dict, inputs: dict,
                  requested: dict | None = None) -> dict:
    """A new run's config.json: the resolved ``config``, what the run was made of
    (``inputs``: the identity of every file and built-in data set it reads), and the config
    as its options asked for it (``requested``: the same options continue this run)."""
    return {
        "format": FORMAT_VERSION,
        "created": _now(),
        "versions": versions,
        "seed": seed,
        "command": " ".join(sys.argv) if sys.argv and sys.argv[0].endswith("otgan") else None,
        "device": device,
        "world_size": world_size,
        "data": data,
        "networks": networks,
        "inputs": inputs,
        "config": config,
        "requested": requested,
    }


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


def checkpoint_record(*, config: dict, data_shape, normalizer: dict, state: dict,
                      method: dict, otgan_version: str) -> dict:
    """A run checkpoint: the resolved ``config`` (the truth on resume), the data's shape and
    normalizer, the training ``state`` (weights, optimizers, RNGs, step) and the method's."""
    return {"format": FORMAT_VERSION, "otgan_version": otgan_version, "config": config,
            "data_shape": list(data_shape), "normalizer": normalizer, "state": state,
            "method": method}


def serialize(record: dict) -> bytes:
    """A checkpoint record as the bytes ``torch.save`` writes."""
    import torch

    buf = io.BytesIO()
    torch.save(record, buf)
    return buf.getvalue()


def read_torch_file(path: Path, map_location="cpu", what: str = "checkpoint"):
    """What ``torch.save`` wrote in ``path``, loaded without executing code from it
    (``weights_only=True``); ``DamagedFile`` saying why in plain words when it cannot be."""
    import torch  # here: opening a run folder (and `otgan sample --help`) does not load it

    try:
        with warnings.catch_warnings():  # torch's remarks on odd pickles: the refusal says it
            warnings.simplefilter("ignore")
            return torch.load(path, map_location=map_location, weights_only=True)
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
        raise DamagedFile(f"{path}: refused or unreadable {what} ({why})") from None


def load_checkpoint_file(path: Path, map_location="cpu") -> dict:
    """A run checkpoint (``checkpoint_record``), validated: loaded without executing code,
    of otgan's format and no newer, every floating tensor finite."""
    state = read_torch_file(path, map_location)
    if not isinstance(state, dict) or type(state.get("format")) is not int \
            or not isinstance(state.get("state"), dict) \
            or type(state["state"].get("step", 0)) is not int:
        raise DamagedFile(f"{path}: not an otgan checkpoint")
    if state["format"] > FORMAT_VERSION:
        raise RunFolderError(f"{path}: written by a newer otgan (format {state['format']})")
    bad = non_finite(state.get("state"))
    if bad:
        raise DamagedFile(f"{path}: holds NaN or infinite weights ({bad})")
    return state


def _starts_as_zip(path: Path) -> bool:
    """Whether ``path`` begins with a zip archive's signature, as every torch.save file does."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def non_finite(obj, name: str = "") -> str | None:
    """The name of the first floating tensor in ``obj`` with a NaN or Inf, or None."""
    import torch

    if isinstance(obj, torch.Tensor):
        return name if obj.is_floating_point() and not bool(torch.isfinite(obj).all()) else None
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) \
        if isinstance(obj, (list, tuple)) else ()
    for k, v in items:
        bad = non_finite(v, f"{name}.{k}" if name else str(k))
        if bad:
            return bad
    return None
