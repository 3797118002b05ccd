"""A run's inputs, part of its identity: recorded in config.json, checked when read again.

Every file a run reads (the data file or image folder, the weights file, the config file) is
recorded by the hash and size of its contents (``fileio.digest``); a built-in data set by its
name, its seed and otgan's data version.  Resuming or evaluating a run whose data or weights
changed since is refused, naming the file (``check``), unless the caller accepts the change,
which the run then records.  Data passed in memory (a tensor) is not a file: nothing to check.
"""

from __future__ import annotations

from pathlib import Path

from .._version import DATA_VERSION
from ..data.specs import DATASETS
from ..errors import RunFolderError
from ..fileio import digest

#: the image files an image folder's data is read from (as ``data.images.load_image_folder``)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
#: the inputs read again on resume and evaluation (the config file is recorded, never re-read)
CHECKED = ("data", "data_weights")
#: what to pass to accept a change (the option, and its Python keyword)
ACCEPT = "--accept-changed-inputs"


def identify(cfg, config_file=None) -> dict:
    """{"data": ..., "data_weights": ..., "config_file": ...}: what each input is now (those
    the run has)."""
    out = {}
    if cfg.data in DATASETS:
        out["data"] = {"name": cfg.data, "seed": cfg.data_seed, "data_version": DATA_VERSION}
    else:
        out["data"] = _file(cfg.data)
    if cfg.data_weights:
        out["data_weights"] = _file(cfg.data_weights)
    if config_file is not None:
        out["config_file"] = _file(config_file)
    return {k: v for k, v in out.items() if v is not None}


def _file(spec) -> dict | None:
    """A file's or an image folder's identity; None when there is nothing there to identify
    (data passed in memory, or a path that is gone: loading it says so)."""
    p = Path(spec)
    try:
        if p.is_dir():
            return {"path": str(p), **digest(p, IMAGE_SUFFIXES)}
        if p.is_file():
            return {"path": str(p), **digest(p)}
    except OSError:
        return None  # unreadable: loading it names the file and the reason
    return None


def changes(recorded: dict | None, cfg) -> tuple[dict, list[dict]]:
    """The inputs now, and those of ``CHECKED`` that differ from ``recorded`` (config.json's
    ``inputs``; a run written before inputs were recorded has none to compare)."""
    now = identify(cfg)
    changed = []
    for key in CHECKED:
        was, new = (recorded or {}).get(key), now.get(key)
        if was is None or new is None or _same(was, new):
            continue
        changed.append({"input": key, "was": was, "now": new})
    return now, changed


def _same(a: dict, b: dict) -> bool:
    keys = ("sha256", "size") if "sha256" in a else ("name", "seed", "data_version")
    return all(a.get(k) == b.get(k) for k in keys)


def describe(change: dict) -> str:
    """A change in words: which input, and what differs."""
    was, now = change["was"], change["now"]
    what = "data" if change["input"] == "data" else "data weights"
    if "sha256" not in was or "sha256" not in now:
        return (f"the built-in data set {was.get('name')} changed since (otgan's data version "
                f"{now.get('data_version')}, the run used {was.get('data_version')})")
    kind = "folder" if "files" in now else "file"
    return (f"the {what} {kind} {now['path']} changed since the run read it ({_size(now)}, "
            f"sha256 {now['sha256'][:12]}; then {_size(was)}, sha256 "
            f"{str(was.get('sha256'))[:12]})")


def _size(identity: dict) -> str:
    size = identity.get("size")
    return f"{size:,} bytes" if isinstance(size, int) else "size unknown"


def check(recorded: dict | None, cfg, where: str, accept: bool = False,
          doing: str = "continue", remedy: str | None = None) -> tuple[dict, list[dict]]:
    """``changes``, refused in one line naming the first changed file (and ``remedy``, what to
    do about it) unless ``accept``."""
    now, changed = changes(recorded, cfg)
    if changed and not accept:
        remedy = remedy or f"pass {ACCEPT} to {doing} on the new contents"
        raise RunFolderError(f"{where}: {describe(changed[0])}; {remedy}")
    return now, changed
