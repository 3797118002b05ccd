"""The sweep folder, and the files it holds: the plan, each shard's results and checkpoints.

Layout::

    .otgan-sweep            the marker: only otgan writes it; only a folder holding it is a sweep
    plan.json               the members (resolved configs), shards and inputs (plan.py)
    shards/NNNN.json        a finished shard's results (written atomically, once)
    shards/NNNN.pt          an unfinished ensemble shard's last checkpoint
    shards/NNNN.prev.pt     the checkpoint before it (kept when a new one is written)
    shards/NNNN.lock        locked (flock) by the process training shard NNNN; holds its pid
    runs/mNNNN/             a plain run's folder (an ordinary otgan run folder)
    submitit/               the array job's scripts and logs (SLURM launcher)
    sweep.json, table.md, heatmaps.png, samples.png, sweep.html     what ``collect`` merges

The folder is an ``owned.OwnedFolder``, as a run folder is: a new sweep goes into an empty or
new folder, ``--overwrite`` removes otgan's own files only and refuses a folder holding anything
else (naming it) or a shard being trained.  Every file is validated when read (``plan``,
``read_result``, ``load_checkpoint``): a damaged one is set aside (``NAME.damaged``, reported in
one line) by the process that would write it again, and its shard trained again or continued
from the previous checkpoint; ``collect`` counts a damaged result as missing.  The plan, the
results and the shard checkpoints are written, read and validated here alone.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

from ..errors import DamagedFile, RunFolderError
from ..fileio import atomic_write_bytes, atomic_write_json
from ..owned import Layout, OwnedFolder, read_json, say
from ..rundir import CHECKPOINT, PREVIOUS, RunDir, non_finite, read_torch_file

MARKER = ".otgan-sweep"
PLAN = "plan.json"
SHARDS, RUNS, LOGS = "shards", "runs", "submitit"
#: the merged outputs (collect.py)
OUTPUTS = ("sweep.json", "table.md", "heatmaps.png", "samples.png", "sweep.html")
#: the plan format this otgan writes and reads (plan.py writes it into the plan)
PLAN_FORMAT = 1
#: a record's values that are numbers (or None) when present (collect.METRICS and the timings)
NUMBERS = ("w1", "modes_covered", "high_quality_pct", "fid", "kid", "precision", "recall",
           "classes_covered", "seconds", "ensemble_seconds", "train_seconds")


class SweepFolder(OwnedFolder):
    """A sweep folder on disk."""

    LAYOUT = Layout(marker=MARKER, kind="otgan sweep", files=frozenset(OUTPUTS + (PLAN,)),
                    folders={SHARDS: ("[0-9]*.json", "[0-9]*.pt", "[0-9]*.lock")},
                    nested={RUNS: ("m[0-9]*", RunDir)}, trees=frozenset({LOGS}),
                    locks=(f"{SHARDS}/*.lock",))

    def __init__(self, path):
        super().__init__(path)
        self._plan: dict | None = None

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def prepare(cls, path, plan: dict, overwrite: bool = False) -> "SweepFolder":
        """The folder for ``plan``: made, or an earlier run of the same sweep continued (its
        plan and finished shards kept, damaged files set aside; with ``overwrite``, an otgan
        sweep's files removed first)."""
        folder, existing = cls.claim(path, overwrite, exists="")
        p = folder.path
        if existing:
            try:
                old = folder.plan()
            except DamagedFile as e:  # the same command brings the plan back
                moved = folder.set_aside(p / PLAN) if (p / PLAN).exists() or \
                    (p / PLAN).is_symlink() else None
                say(f"{e}{f'; set aside as {moved.name}' if moved else ''}; "
                    f"{PLAN} written again from this command")
            else:
                why = differs(old, plan)
                grown = extended(old, plan) if why == OTHER_MEMBERS else None
                if why and grown is None:
                    raise RunFolderError(f"--out {p}: holds another sweep ({why}); pass "
                                         f"--overwrite to replace it")
                if grown is not None:  # more seeds or grid values: the old runs are kept
                    atomic_write_json(p / PLAN, grown)
                    folder._plan = None
                    say(f"{p}: the sweep grows from {len(old['members'])} to "
                        f"{len(grown['members'])} runs; the {len(old['members'])} it had are "
                        f"kept")
                folder.subfolder(SHARDS)
                folder.done(repair=True)
                if not folder.marked():
                    folder.mark()
                return folder  # continue it: its shard layout is kept
        folder.subfolder(SHARDS)
        atomic_write_json(p / PLAN, plan)
        folder._plan = None
        folder.done(repair=True)  # results of another plan's shards are set aside
        folder.mark()
        return folder

    @classmethod
    def open(cls, path) -> "SweepFolder":
        folder = cls(path)
        if not folder.path.is_dir():
            raise RunFolderError(f"sweep folder not found: {path}")
        if not folder.marked() and not folder.unmarked_but_ours():
            raise RunFolderError(f"{path}: not an otgan sweep folder (no {MARKER})")
        return folder

    def unmarked_but_ours(self) -> bool:
        """A sweep whose marker was lost: an otgan plan, and nothing but otgan's own names."""
        try:
            self.plan()
        except RunFolderError:
            return False
        return not self.foreign_files()

    def subfolder(self, name: str) -> Path:
        """The subfolder ``name``, made; whatever else took its place set aside."""
        sub = self.path / name
        if (sub.exists() or sub.is_symlink()) and (not sub.is_dir() or sub.is_symlink()):
            say(f"{sub}: is not a folder; set aside as {self.set_aside(sub).name}")
        sub.mkdir(exist_ok=True)
        return sub

    # -- the plan --------------------------------------------------------------------------
    def plan(self) -> dict:
        """plan.json, validated (``DamagedFile`` naming it when it is not otgan's plan)."""
        if self._plan is None:
            path = self.path / PLAN
            plan = read_json(path)
            why = _plan_problem(plan)
            if why:
                if why.startswith("format"):
                    raise RunFolderError(f"{path}: written by a newer otgan ({why}); upgrade "
                                         f"otgan")
                raise DamagedFile(f"{path}: not an otgan sweep plan ({why})")
            self._plan = plan
        return self._plan

    # -- shards ----------------------------------------------------------------------------
    def result_path(self, shard: int) -> Path:
        return self.path / SHARDS / f"{shard:04d}.json"

    def checkpoint_path(self, shard: int) -> Path:
        return self.path / SHARDS / f"{shard:04d}.pt"

    def previous_path(self, shard: int) -> Path:
        return self.path / SHARDS / f"{shard:04d}.prev.pt"

    def lock_name(self, shard: int) -> str:
        return f"{SHARDS}/{shard:04d}.lock"

    def run_path(self, member: int) -> Path:
        return self.path / RUNS / f"m{member:04d}"

    def done(self, repair: bool = False) -> set[int]:
        """The shards whose results are there and sound (``results``)."""
        return set(self.results(repair))

    def results(self, repair: bool = False) -> dict[int, dict]:
        """The sound results, by shard.  A damaged one is reported in one line and, with
        ``repair``, set aside (its shard is then trained again)."""
        out = {}
        shards = self.path / SHARDS
        if (shards.exists() or shards.is_symlink()) and (shards.is_symlink()
                                                         or not shards.is_dir()):
            say(f"{shards}: is not a folder; every shard counted as missing" if not repair
                else f"{shards}: is not a folder; set aside as {self.set_aside(shards).name}")
            return out
        for shard in self.plan()["shards"]:
            sid, path = shard["id"], self.result_path(shard["id"])
            if not (path.exists() or path.is_symlink()):
                continue
            try:
                out[sid] = self.read_result(sid)
            except DamagedFile as e:
                if repair:
                    say(f"{e}; set aside as {self.set_aside(path).name}; shard {sid} is "
                        f"trained again")
                else:
                    say(f"{e}; shard {sid} counted as missing (the sweep command sets it aside "
                        f"and trains it again)")
        return out

    def sound_runs(self) -> None:
        """For a sweep whose runs are read once trained (a benchmark measures each): a done
        plain run whose folder cannot give its checkpoint (truncated or emptied, with no sound
        previous one; not a folder) is set aside with its shard's result, said in one line, so
        that the sweep trains that member again instead of every reading refusing it."""
        for sid in sorted(self.results()):
            shard = self.plan()["shards"][sid]
            if shard["kind"] != "run":
                continue
            index = shard["members"][0]
            path = self.run_path(index)
            try:
                if not path.is_dir() or path.is_symlink():
                    raise DamagedFile(f"{path}: is not a run folder")
                if not any((path / n).is_file() for n in (CHECKPOINT, PREVIOUS)):
                    raise DamagedFile(f"{path}: holds no checkpoint")
                RunDir(path).load_checkpoint(quiet=True)
            except DamagedFile as e:
                run = self.set_aside(path) if path.exists() or path.is_symlink() else None
                result = self.set_aside(self.result_path(sid))
                where = f"{RUNS}/{run.name} and " if run is not None else ""
                say(f"{e}; set aside as {where}{SHARDS}/{result.name}; member {index} is "
                    f"trained again")

    def read_result(self, shard: int) -> dict:
        """Shard ``shard``'s results, validated against the plan (``DamagedFile`` otherwise)."""
        path = self.result_path(shard)
        if not path.is_file():
            raise DamagedFile(f"{path}: is not a file")
        result = read_json(path)
        why = _result_problem(result, self.plan(), self.plan()["shards"][shard])
        if why:
            raise DamagedFile(f"{path}: not this sweep's result of shard {shard} ({why})")
        return result

    def write_result(self, shard: int, result: dict) -> None:
        """A shard's results (stamped with its members' digest), atomically; its checkpoints
        are then of no use."""
        plan = self.plan()
        path = self.result_path(shard)
        self.make_room(path)
        atomic_write_json(path, dict(result, digest=shard_digest(plan, plan["shards"][shard])))
        for done in (self.checkpoint_path(shard), self.previous_path(shard)):
            self.make_room(done)
            done.unlink(missing_ok=True)

    def write_checkpoint(self, shard: int, data: bytes) -> None:
        """An ensemble shard's checkpoint (``serialize``d), keeping the one it replaces as
        NNNN.prev.pt."""
        path, previous = self.checkpoint_path(shard), self.previous_path(shard)
        self.make_room(path)
        if path.is_file():
            self.make_room(previous)
            path.replace(previous)
        atomic_write_bytes(path, data)

    def load_checkpoint(self, shard: int, fits=None) -> dict | None:
        """The shard's last sound checkpoint (the previous one when the last is damaged, set
        aside and said in one line), or None; ``fits(state)`` raises ``ValueError`` for a state
        that does not fit the shard's ensemble.  The caller holds the shard's lock."""

        def load(path):
            state = _shard_state(path)
            if fits is not None:
                try:
                    fits(state)
                except (RuntimeError, KeyError, ValueError, TypeError, IndexError) as e:
                    first = str(e).strip().splitlines()[0] if str(e).strip() else \
                        type(e).__name__
                    raise DamagedFile(f"{path}: does not fit the shard's ensemble "
                                      f"({first[:200]})") from None
            return state

        found = self.read_newest((self.checkpoint_path(shard), self.previous_path(shard)), load,
                                 lambda s: f" (step {s['step']})", repair=True)
        if found is None:
            return None
        return found[0]


def serialize(state: dict) -> bytes:
    """An ensemble's state as the bytes ``torch.save`` writes."""
    import io

    import torch

    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def _shard_state(path: Path) -> dict:
    """An ensemble shard's checkpoint, validated: loaded without executing code, a step, the
    flat weights, every floating tensor finite."""
    import torch

    state = read_torch_file(path)
    if not isinstance(state, dict) or type(state.get("step")) is not int or state["step"] < 0 \
            or not all(isinstance(state.get(k), torch.Tensor) for k in ("g", "d")):
        raise DamagedFile(f"{path}: not an otgan shard checkpoint")
    bad = non_finite(state)
    if bad:
        raise DamagedFile(f"{path}: holds NaN or infinite weights ({bad})")
    return state


def shard_digest(plan: dict, shard: dict) -> str:
    """What identifies a shard's work: its kind and its members' resolved configs and seeds."""
    members = [plan["members"][i] for i in shard["members"]]
    text = json.dumps([shard["kind"], members], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


#: ``differs``'s words for plans of other members (an ``extended`` plan may still take them)
OTHER_MEMBERS = "other grid, seeds or settings"


def _member_key(member: dict) -> str:
    """What a member is, apart from its index: its grid point, seed and resolved config."""
    return json.dumps([member["point"], member["seed"], member["config"]], sort_keys=True)


def differs(a: dict, b: dict) -> str | None:
    """Why two plans do not train the same members on the same inputs (their members' order
    and shard layouts may differ), in words; None when they do."""
    if a.get("format") != b.get("format"):
        return OTHER_MEMBERS
    was, now = a.get("inputs") or {}, b.get("inputs") or {}
    for name, identity in now.items():
        if name in was and was[name] != identity:
            return f"{name} changed since the sweep started: {_words(identity)}, then " \
                   f"{_words(was[name])}"
    if sorted(map(_member_key, a["members"])) != sorted(map(_member_key, b["members"])):
        return OTHER_MEMBERS
    return None


def extended(old: dict, new: dict) -> dict | None:
    """The plan ``old`` grown into ``new`` when ``new`` trains every member of ``old`` and more
    (more seeds, more grid values, the same settings and inputs): ``old``'s members keep their
    indices and its shards their ids and members, so that every run and shard result already
    written stays valid; ``new``'s other members follow, in ``new``'s shards.  None otherwise."""
    if old.get("format") != new.get("format"):
        return None
    have = {_member_key(m) for m in old["members"]}
    if not have < {_member_key(m) for m in new["members"]}:
        return None
    members, index = list(old["members"]), {}
    for m in new["members"]:
        if _member_key(m) not in have:
            index[m["index"]] = len(members)
            members.append(dict(m, index=len(members)))
    shards = list(old["shards"])
    for s in new["shards"]:
        mine = [index[i] for i in s["members"] if i in index]
        if mine:
            shards.append({"kind": s["kind"], "members": mine, "id": len(shards)})
    return dict(new, members=members, shards=shards,
                inputs={**(old.get("inputs") or {}), **(new.get("inputs") or {})})


def _words(identity) -> str:
    if not isinstance(identity, dict):
        return repr(identity)
    return ", ".join(f"{k} {str(v)[:12]}" for k, v in identity.items())


def _plan_problem(plan) -> str | None:
    """What makes ``plan`` not a plan otgan wrote, in words, or None."""
    if not isinstance(plan, dict):
        return "not a JSON object"
    fmt = plan.get("format")
    if type(fmt) is not int:
        return "no format number"
    if fmt > PLAN_FORMAT:
        return f"format {fmt}, this version reads {PLAN_FORMAT}"
    for key, kind in (("members", list), ("shards", list), ("grid", dict), ("base", dict),
                      ("seeds", int), ("steps", int)):
        if not isinstance(plan.get(key), kind):
            return f"no {key!r}"
    members = plan["members"]
    for i, m in enumerate(members):
        if not (isinstance(m, dict) and m.get("index") == i and isinstance(m.get("point"), dict)
                and isinstance(m.get("config"), dict) and type(m.get("seed")) is int):
            return f"member {i} is not a member"
    seen = set()
    for i, s in enumerate(plan["shards"]):
        if not (isinstance(s, dict) and s.get("id") == i and s.get("kind") in ("ensemble", "run")
                and isinstance(s.get("members"), list) and s["members"]
                and all(type(k) is int and 0 <= k < len(members) for k in s["members"])):
            return f"shard {i} is not a shard"
        seen.update(s["members"])
    if seen != set(range(len(members))):
        return "its shards do not hold every member"
    return None


def _result_problem(result, plan: dict, shard: dict) -> str | None:
    """What makes ``result`` not the result of ``shard`` of ``plan``, in words, or None."""
    if not isinstance(result, dict) or not isinstance(result.get("records"), list):
        return "no records"
    if result.get("shard") != shard["id"]:
        return f"it says shard {result.get('shard')!r}"
    if "digest" in result and result["digest"] != shard_digest(plan, shard):
        return ("written for other members than plan.json lists: its members edited since "
                "the shard trained, or another sweep's result")
    if not _number(result.get("seconds")):
        return "no time"
    records = result["records"]
    if [r.get("index") if isinstance(r, dict) else None for r in records] != shard["members"]:
        return "its records are not the shard's members"
    for r in records:
        bad = [k for k in NUMBERS if k in r and r[k] is not None and not _number(r[k])]
        if bad:
            return f"member {r['index']}'s {bad[0]} is not a number"
        if not isinstance(r.get("samples"), list) or not r["samples"] \
                or not _finite_rows(r["samples"]):
            return f"member {r['index']}'s samples are not points"
    return None


def _number(v) -> bool:
    """A finite number float64 holds (a JSON integer of 400 digits is none)."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _finite_rows(samples: list) -> bool:
    import numpy as np

    try:
        x = np.asarray(samples, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return False
    return x.ndim in (2, 4) and bool(np.isfinite(x).all())
