"""Folders otgan owns: one mechanism for run folders (rundir.py) and sweep folders (sweep/).

An owned folder

- is **marked**: a marker file only otgan writes; it is written last when the folder is made,
  and removed last when ``--overwrite`` empties the folder, so a crash midway leaves a folder
  still known as otgan's;
- **declares its own files** by name (``Layout``): top-level files, subfolders with the names
  otgan writes in them, subfolders that are owned folders themselves (a sweep's plain runs),
  subfolders a tool otgan drives writes whole (submitit's logs), temporary files of an atomic
  write, and the files it set aside.  ``--overwrite`` removes these only, and refuses, removing
  nothing, a folder that holds anything else, naming it;
- is **locked** (``flock``) by the process writing in it, the holder's pid and host in the lock
  file; the kernel releases the lock however the holder exits (no stale lock);
- **sets aside** a damaged file found at one of its own names instead of deleting or
  overwriting it: renamed ``NAME.damaged`` (``NAME.damaged-2``, ...), reported in one line.

Nothing here loads PyTorch: usage errors answer before it is imported.
"""

from __future__ import annotations

import fcntl
import fnmatch
import json
import os
import shutil
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DamagedFile, RunFolderError
from .fileio import TMP_MARK, atomic_write_json

#: the suffix of a file set aside (``NAME.damaged``, ``NAME.damaged-2``, ...)
DAMAGED = ".damaged"
#: refuse to start writing a folder on a disk with less free space than this
MIN_FREE_BYTES = 64 * 2**20


def say(message: str) -> None:
    """One line to the user on stderr (what otgan did instead of failing)."""
    print(f"otgan: {message}", file=sys.stderr, flush=True)


def set_aside(path: Path) -> Path:
    """Rename the damaged ``path`` (a file or whatever took its place) to a free name
    ``NAME.damaged`` / ``NAME.damaged-N`` beside it; returns the new path.  Owned folders set
    their damaged files aside through this; so do otgan's caches (the data sets, the image
    classifiers), which are files otgan wrote in a folder it does not own."""
    path = Path(path)
    target, n = path.with_name(path.name + DAMAGED), 1
    while target.exists() or target.is_symlink():
        n += 1
        target = path.with_name(f"{path.name}{DAMAGED}-{n}")
    os.replace(path, target)
    return target


@dataclass(frozen=True)
class Layout:
    """What otgan writes in an owned folder (the names ``--overwrite`` may remove)."""

    marker: str
    #: what the folder is, in messages ("otgan run", "otgan sweep")
    kind: str
    #: top-level files
    files: frozenset = frozenset()
    #: subfolder name -> patterns of the files otgan writes in it
    folders: dict = field(default_factory=dict)
    #: subfolder name -> (pattern of its entries, the OwnedFolder class of each entry)
    nested: dict = field(default_factory=dict)
    #: subfolders written whole by a tool otgan drives (removed whole)
    trees: frozenset = frozenset()
    #: the folder's own lock file (held by the process writing in it), if it has one
    lock: str | None = None
    #: patterns (relative paths) of other lock files (a sweep's one per shard)
    locks: tuple = ()


def _own_name(name: str, patterns) -> bool:
    """``name`` matches a pattern, or is a set-aside copy of a name that does."""
    base = name.split(DAMAGED)[0] if DAMAGED in name else name
    return any(fnmatch.fnmatchcase(base, p) for p in patterns)


class OwnedFolder:
    """A folder otgan owns, on disk (``LAYOUT`` says what is its own)."""

    LAYOUT: Layout
    #: every kind of owned folder (to name another kind's folder given in place of this one)
    KINDS: list = []

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        OwnedFolder.KINDS.append(cls)

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._locks: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"

    def file(self, name: str) -> Path:
        return self.path / name

    def marked(self) -> bool:
        return (self.path / self.LAYOUT.marker).is_file()

    def mark(self) -> None:
        atomic_write_json(self.path / self.LAYOUT.marker, {self.LAYOUT.marker.lstrip(".")
                                                           .replace("-", "_"): 1})

    # -- making one ------------------------------------------------------------------------
    @classmethod
    def claim(cls, path: str | Path, overwrite: bool, exists: str,
              option: str = "--out") -> tuple["OwnedFolder", bool]:
        """The folder at ``path`` to write: (folder, False) when it is new (absent or empty:
        made, checked writable with enough free space, not yet marked); (folder, True) when it
        is one of ours and ``overwrite`` is not given (the caller continues it, or refuses with
        ``exists``).  ``overwrite`` empties one of ours first; anything else is refused."""
        p = Path(path)
        folder = cls(p)
        if p.exists() and not p.is_dir():
            raise RunFolderError(f"{option} {p}: exists and is not a folder")
        if p.is_dir() and any(p.iterdir()):
            if not folder.marked() and not folder.unmarked_but_ours():
                other = [k.LAYOUT.kind for k in cls.KINDS
                         if k.LAYOUT.marker != cls.LAYOUT.marker
                         and (p / k.LAYOUT.marker).is_file()]
                what = f"is an {other[0]} folder" if other else \
                    f"folder is not empty and is not an {cls.LAYOUT.kind}"
                raise RunFolderError(f"{option} {p}: {what}; choose another folder")
            if overwrite or exists:  # (a sweep continued: a shard being trained is skipped
                folder.refuse_if_held(option)  # by its own lock)
            if not overwrite:
                if exists:
                    raise RunFolderError(f"{option} {p}: {exists}")
                return folder, True
            folder.remove_own_files(option)
        folder._made = [d for d in (p, *p.parents) if not d.exists()]
        try:
            p.mkdir(parents=True, exist_ok=True)
            probe = p / f".write-test-{os.getpid()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as e:
            raise RunFolderError(f"{option} {p}: cannot write there ({e.strerror or e})") from None
        free = shutil.disk_usage(p).free
        if free < MIN_FREE_BYTES:
            raise RunFolderError(f"{option} {p}: only {free / 2**20:.1f} MiB free on that disk; "
                                 f"otgan needs at least {MIN_FREE_BYTES / 2**20:.0f} MiB")
        return folder, False

    def unmarked_but_ours(self) -> bool:
        """A folder of this kind written before (or whose marker was lost): a subclass says
        from its own files; False here."""
        return False

    def discard(self) -> None:
        """Undo ``claim`` (and ``mark``) when nothing else was written: the marker, the locks,
        and the folders ``claim`` made, if nothing else is in them."""
        for key in list(self._locks):
            os.close(self._locks.pop(key))
            Path(key).unlink(missing_ok=True)
        (self.path / self.LAYOUT.marker).unlink(missing_ok=True)
        for d in getattr(self, "_made", []):
            try:
                d.rmdir()
            except OSError:
                break  # not empty: something else is there now

    # -- what is ours ----------------------------------------------------------------------
    def foreign_files(self) -> list[Path]:
        """What the folder holds that otgan did not write (by name)."""
        lay, out = self.LAYOUT, []
        for entry in sorted(self.path.iterdir()):
            name, plain = entry.name, entry.is_dir() and not entry.is_symlink()
            if plain and entry.name in lay.folders:
                out += [f for f in sorted(entry.iterdir()) if f.is_dir() or f.is_symlink()
                        or not (_own_name(f.name, lay.folders[name]) or TMP_MARK in f.name)]
            elif plain and entry.name in lay.nested:
                pattern, kind = lay.nested[name]
                for sub in sorted(entry.iterdir()):
                    if sub.is_dir() and not sub.is_symlink() and _own_name(sub.name, [pattern]):
                        out += kind(sub).foreign_files()
                    else:
                        out.append(sub)
            elif plain and entry.name in lay.trees:
                continue
            elif not (entry.is_file() and not entry.is_symlink()
                      and (_own_name(name, lay.files | {lay.marker, lay.lock or lay.marker})
                           or TMP_MARK in name)):
                out.append(entry)
        return out

    def lock_files(self) -> list[Path]:
        """Every lock file of this folder and of the owned folders nested in it."""
        lay = self.LAYOUT
        out = [self.path / lay.lock] if lay.lock else []
        out += [p for pat in lay.locks for p in sorted(self.path.glob(pat))]
        for name, (pattern, kind) in lay.nested.items():
            for sub in sorted((self.path / name).glob(pattern)):
                if sub.is_dir() and not sub.is_symlink():
                    out += kind(sub).lock_files()
        return out

    def refuse_if_held(self, option: str = "--out") -> None:
        for lock in self.lock_files():
            holder = None if str(lock) in self._locks else lock_holder(lock)
            if holder is not None:
                raise RunFolderError(f"{option} {lock.parent}: another otgan process is "
                                     f"training in this folder ({holder}); wait for it or stop "
                                     f"it")

    def remove_own_files(self, option: str = "--out") -> None:
        """Delete the folder's own files (for --overwrite); refuse, deleting nothing, when it
        holds anything otgan did not write or another process writes in it.  The marker goes
        last: a crash midway leaves a folder still known as otgan's."""
        foreign = self.foreign_files()
        if foreign:
            names = ", ".join(str(f.relative_to(self.path)) for f in foreign[:3])
            more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
            raise RunFolderError(f"{option} {self.path}: --overwrite removes only otgan's own "
                                 f"files, and this folder also holds {names}{more}; move them "
                                 f"away or choose another folder")
        if self.LAYOUT.lock:
            self.lock(self.LAYOUT.lock)  # held while removing: no one starts in the folder
        self.refuse_if_held(option)
        self._remove(option)

    def _remove(self, option: str) -> None:
        lay = self.LAYOUT
        for entry in sorted(self.path.iterdir()):
            if str(entry) in self._locks:
                continue  # our own lock, still held
            if entry.name in lay.nested and entry.is_dir():
                for sub in sorted(entry.iterdir()):
                    lay.nested[entry.name][1](sub)._remove(option)
                    _rmdir(sub)
                _rmdir(entry)
            elif entry.name in lay.trees and entry.is_dir():
                shutil.rmtree(entry)
            elif entry.is_dir():
                for f in entry.iterdir():
                    f.unlink()
                entry.rmdir()
            elif entry.name != lay.marker:
                entry.unlink()
        (self.path / lay.marker).unlink(missing_ok=True)

    def clean_temporary(self) -> None:
        """Remove temporary files left by a writer that was killed mid-write."""
        for tmp in self.path.rglob(f".*{TMP_MARK}*"):
            if tmp.is_file():
                tmp.unlink(missing_ok=True)

    # -- damaged files ---------------------------------------------------------------------
    def set_aside(self, path: Path) -> Path:
        """Rename the damaged ``path`` (a file or whatever took its place) to a free name
        ``NAME.damaged`` / ``NAME.damaged-N`` beside it; returns the new path."""
        return set_aside(path)

    def make_room(self, path: Path) -> None:
        """Before writing the own file ``path``: whatever is there that is not a plain file
        (a folder, a link, a pipe) is set aside, not replaced, and said in one line."""
        path = Path(path)
        if (path.exists() or path.is_symlink()) and (path.is_symlink() or not path.is_file()):
            say(f"{path}: is not a file otgan wrote; set aside as {self.set_aside(path).name}")

    def read_newest(self, paths, load, describe=lambda value: "", repair: bool = False,
                    quiet: bool = False):
        """The first of ``paths`` that exists and that ``load(path)`` reads (``load`` raises
        ``RunFolderError`` for a damaged file), with its path; saying in one line (unless
        ``quiet``) which were skipped and, with ``repair``, setting those aside.  None when
        none exists; the refusals joined in one error when every one that exists is damaged."""
        refused: list[tuple[Path, RunFolderError]] = []
        for path in map(Path, paths):
            if not (path.exists() or path.is_symlink()):
                continue
            try:
                if not path.is_file():
                    raise DamagedFile(f"{path}: is not a file")
                value = load(path)
            except RunFolderError as e:
                refused.append((path, e))
                continue
            if refused:
                what = str(refused[0][1])
                if repair:
                    moved = [self.set_aside(p).name for p, _ in refused]
                    what += f"; set aside as {', '.join(moved)}"
                if not quiet:
                    say(f"{what}; using {path.name}{describe(value)}")
            return value, path
        if refused:
            kind = DamagedFile if all(isinstance(e, DamagedFile) for _, e in refused) \
                else RunFolderError
            raise kind("; and ".join(str(e) for _, e in refused))
        return None

    # -- the lock --------------------------------------------------------------------------
    def lock(self, name: str | None = None) -> None:
        """Hold the lock file ``name`` (the folder's own by default) until this process exits
        or ``unlock``; a clear error naming the holder when another process holds it."""
        path = self.path / (name or self.LAYOUT.lock)
        if str(path) in self._locks:
            return
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
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
            raise RunFolderError(f"{path.parent}: another otgan process is training in this "
                                 f"folder ({holder}); wait for it or stop it") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        self._locks[str(path)] = fd

    def holds(self, name: str | None = None) -> bool:
        return str(self.path / (name or self.LAYOUT.lock)) in self._locks

    def held_by(self, name: str | None = None) -> str | None:
        """Who holds the lock file ``name`` (the folder's own by default), or None."""
        return lock_holder(self.path / (name or self.LAYOUT.lock))

    def unlock(self, name: str | None = None) -> None:
        fd = self._locks.pop(str(self.path / (name or self.LAYOUT.lock)), None)
        if fd is not None:
            os.close(fd)  # releases the flock


def lock_holder(lock: Path) -> str | None:
    """Who holds the lock file ``lock`` ("pid N on HOST"), or None; the lock is not taken."""
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return None
    except OSError:
        return os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
    finally:
        os.close(fd)


def read_json(path: Path) -> object:
    """A JSON file otgan wrote, or ``RunFolderError`` naming it (missing, not UTF-8, torn)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:  # JSON and UTF-8 errors are ValueErrors
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise DamagedFile(f"{path}: unreadable ({why})") from None


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:  # absent, or holds someone else's file: left alone
        pass
