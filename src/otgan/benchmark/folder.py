"""The benchmark folder: one sweep folder per data set and configuration, and the merged outputs.

Layout::

    .otgan-benchmark                  the marker
    8gaussians/wgan-gp-default/       an otgan sweep folder (its plan, shards, run folders)
    ...
    benchmark.json, table.md, samples.png      the merged outputs (written again each time)

A run of the same command continues the folder: the sweeps' finished runs are kept, the others
trained (``otgan sweep``'s own resumption); ``overwrite`` removes otgan's own files only.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import RunFolderError
from ..owned import Layout, OwnedFolder
from ..sweep.folder import SweepFolder

MARKER = ".otgan-benchmark"
OUTPUTS = ("benchmark.json", "table.md", "samples.png", "curves.png")
#: the data sets a benchmark folder may hold sweeps of
SETS = ("8gaussians", "25gaussians", "stacked-mnist")


class BenchmarkFolder(OwnedFolder):
    LAYOUT = Layout(marker=MARKER, kind="otgan benchmark", files=frozenset(OUTPUTS),
                    nested={s: ("*", SweepFolder) for s in SETS})

    @classmethod
    def prepare(cls, path, overwrite: bool = False) -> "BenchmarkFolder":
        folder, existing = cls.claim(path, overwrite, exists="")
        if not existing or not folder.marked():
            folder.mark()
        return folder

    @classmethod
    def open(cls, path) -> "BenchmarkFolder":
        folder = cls(path)
        if not folder.path.is_dir() or not folder.marked():
            raise RunFolderError(f"{path}: not an otgan benchmark folder (no {MARKER})")
        return folder

    def room_for_outputs(self) -> None:
        """Before the runs are measured: whatever is found at an output's name that is not a
        plain file (a folder, a link, a pipe) set aside, said in one line, so that writing the
        outputs cannot fail after the measuring."""
        for name in OUTPUTS:
            self.make_room(self.path / name)

    def sweep_path(self, data: str, method: str, preset: str) -> Path:
        sub = self.path / data
        sub.mkdir(exist_ok=True)
        return sub / f"{method}-{preset}"
