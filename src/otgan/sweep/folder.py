"""The sweep folder: the plan, each shard's results and checkpoint, plain runs, merged outputs.

Layout::

    .otgan-sweep            the marker: only otgan writes it; only a folder holding it is a sweep
    plan.json               the members (resolved configs) and shards (plan.py)
    shards/NNNN.json        a finished shard's results (written atomically, once)
    shards/NNNN.pt          an unfinished ensemble shard's last checkpoint
    runs/mNNNN/             a plain run's folder (an ordinary otgan run folder)
    submitit/               the array job's scripts and logs (SLURM launcher)
    sweep.json, table.md, heatmaps.png, samples.png, sweep.html     what ``collect`` merges

Nothing in a folder without the marker is replaced (``rundir.check_output_folder`` decides for
the merged outputs); ``--overwrite`` removes otgan's own files only.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..errors import RunFolderError
from ..fileio import TMP_MARK, atomic_write_bytes, atomic_write_json
from ..rundir import MARKER as RUN_MARKER
from ..rundir import RunDir, check_output_folder

MARKER = ".otgan-sweep"
PLAN = "plan.json"
SHARDS, RUNS, LOGS = "shards", "runs", "submitit"
#: the merged outputs (collect.py)
OUTPUTS = ("sweep.json", "table.md", "heatmaps.png", "samples.png", "sweep.html")


class SweepFolder:
    def __init__(self, path):
        self.path = Path(path)

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def prepare(cls, path, plan: dict, overwrite: bool = False) -> "SweepFolder":
        """The folder for ``plan``: created, or an earlier run of the same sweep (its plan and
        finished shards kept; with ``overwrite``, an otgan sweep's files removed first)."""
        folder = cls(path)
        p = folder.path
        if (p / MARKER).is_file():
            if overwrite:
                folder.remove_own_files()
            elif not same_sweep(folder.plan(), plan):
                raise RunFolderError(f"--out {p}: holds another sweep (other grid, seeds or "
                                     f"settings); pass --overwrite to replace it")
            else:
                return folder  # continue it: its shard layout is kept
        else:
            check_output_folder(p, OUTPUTS + (PLAN, SHARDS, RUNS, LOGS), overwrite)
        p.mkdir(parents=True, exist_ok=True)
        (p / SHARDS).mkdir(exist_ok=True)
        atomic_write_json(p / MARKER, {"otgan_sweep": 1})
        atomic_write_json(p / PLAN, plan)
        return folder

    @classmethod
    def open(cls, path) -> "SweepFolder":
        folder = cls(path)
        if not folder.path.is_dir():
            raise RunFolderError(f"sweep folder not found: {path}")
        if not (folder.path / MARKER).is_file():
            raise RunFolderError(f"{path}: not an otgan sweep folder (no {MARKER})")
        return folder

    def plan(self) -> dict:
        try:
            return json.loads((self.path / PLAN).read_text())
        except (OSError, ValueError) as e:
            raise RunFolderError(f"{self.path / PLAN}: unreadable ({e})") from None

    # -- shards ----------------------------------------------------------------------------
    def result_path(self, shard: int) -> Path:
        return self.path / SHARDS / f"{shard:04d}.json"

    def checkpoint_path(self, shard: int) -> Path:
        return self.path / SHARDS / f"{shard:04d}.pt"

    def run_path(self, member: int) -> Path:
        return self.path / RUNS / f"m{member:04d}"

    def done(self) -> set[int]:
        return {s["id"] for s in self.plan()["shards"] if self.result_path(s["id"]).is_file()}

    def read_result(self, shard: int) -> dict:
        return json.loads(self.result_path(shard).read_text())

    def write_result(self, shard: int, result: dict) -> None:
        """A shard's results, atomically; its checkpoint is then of no use."""
        atomic_write_json(self.result_path(shard), result)
        self.checkpoint_path(shard).unlink(missing_ok=True)

    def write_checkpoint(self, shard: int, data: bytes) -> None:
        atomic_write_bytes(self.checkpoint_path(shard), data)

    # -- removing --------------------------------------------------------------------------
    def remove_own_files(self) -> None:
        """otgan's files only: outputs, plan, shard files, run folders, submitit's files; the
        marker last, so that a crash midway leaves a folder still known as a sweep."""
        p = self.path
        for name in OUTPUTS + (PLAN,):
            (p / name).unlink(missing_ok=True)
        for f in (p / SHARDS).glob("*"):
            if f.suffix in (".json", ".pt") or TMP_MARK in f.name:
                f.unlink()
        for run in (p / RUNS).glob("m*"):
            if (run / RUN_MARKER).is_file():
                RunDir(run).remove_own_files()
                _rmdir(run)
        if (p / LOGS).is_dir():
            shutil.rmtree(p / LOGS)  # submitit's scripts, pickles and logs of our array job
        for sub in (SHARDS, RUNS):
            _rmdir(p / sub)
        (p / MARKER).unlink(missing_ok=True)


def same_sweep(a: dict, b: dict) -> bool:
    """Whether two plans train the same members (their shard layouts may differ)."""
    return a.get("format") == b.get("format") and a["members"] == b["members"]


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:  # absent, or holds someone else's file: left alone
        pass
