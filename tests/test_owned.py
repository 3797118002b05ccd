"""The owned-folder mechanism run and sweep folders share (owned.py): what is otgan's, what
--overwrite removes and in which order, set-aside names, reading the newest sound file."""

import contextlib
import subprocess
import sys

import pytest

from otgan.errors import DamagedFile, RunFolderError
from otgan.owned import Layout, OwnedFolder
from otgan.rundir import RunDir
from otgan.sweep.folder import SweepFolder


class Box(OwnedFolder):
    LAYOUT = Layout(marker=".box", kind="otgan box", files=frozenset({"a.json", "b.pt"}),
                    folders={"parts": ("[0-9]*.json",)}, nested={"runs": ("m[0-9]*", RunDir)},
                    trees=frozenset({"tool"}), lock=".box-lock")



@contextlib.contextmanager
def holding(statement: str):
    """Another process that runs ``statement`` (taking a lock) and then waits; yields its pid."""
    code = f"import time\n{statement}\nprint('locked', flush=True)\ntime.sleep(60)\n"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()

def make_box(path):
    box, existing = Box.claim(path, overwrite=False, exists="")
    assert not existing
    (path / "a.json").write_text("{}")
    (path / "parts").mkdir()
    (path / "parts" / "0001.json").write_text("{}")
    (path / "tool" / "deep").mkdir(parents=True)
    (path / "tool" / "deep" / "log").write_text("anything")
    RunDir.create(path / "runs" / "m0000").unlock()
    box.mark()
    return box


def test_what_is_otgans_is_named_and_nothing_else(tmp_path):
    box = make_box(tmp_path / "box")
    assert box.foreign_files() == []
    (box.path / "notes.txt").write_text("mine")
    (box.path / "parts" / "draft.json").write_text("mine")
    (box.path / "runs" / "m0000" / "mine.txt").write_text("mine")
    (box.path / "runs" / "other").mkdir()
    (box.path / "b.pt").mkdir()  # a folder at a file's name is not otgan's
    names = [str(p.relative_to(box.path)) for p in box.foreign_files()]
    assert names == ["b.pt", "notes.txt", "parts/draft.json", "runs/m0000/mine.txt",
                     "runs/other"]


def test_overwrite_refuses_removing_nothing_then_removes_everything_marker_last(tmp_path,
                                                                                monkeypatch):
    box = make_box(tmp_path / "box")
    (box.path / "notes.txt").write_text("mine")
    before = sorted(p.relative_to(box.path) for p in box.path.rglob("*"))
    with pytest.raises(RunFolderError, match="also holds notes.txt"):
        Box.claim(box.path, overwrite=True, exists="")
    assert sorted(p.relative_to(box.path) for p in box.path.rglob("*")) == before
    (box.path / "notes.txt").unlink()
    removed = []
    real_unlink = type(box.path).unlink

    def spy(self, *a, **k):
        removed.append(self.name)
        return real_unlink(self, *a, **k)

    monkeypatch.setattr(type(box.path), "unlink", spy)
    again, existing = Box.claim(box.path, overwrite=True, exists="")
    removed = [n for n in removed if not n.startswith(".write-test")]  # claim's probe
    assert not existing and removed[-1] == ".box" and "0001.json" in removed  # marker last
    assert [p.name for p in box.path.iterdir()] == [".box-lock"]  # held while removing
    again.unlock()


def test_a_folder_of_another_kind_is_named(tmp_path):
    run = RunDir.create(tmp_path / "run")
    run.unlock()
    with pytest.raises(RunFolderError, match="is an otgan run folder; choose another folder"):
        SweepFolder.claim(run.path, overwrite=True, exists="")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "x").write_text("x")
    with pytest.raises(RunFolderError, match="not empty and is not an otgan box"):
        Box.claim(tmp_path / "mine", overwrite=True, exists="")


def test_a_held_lock_anywhere_refuses_overwrite(tmp_path):
    box = make_box(tmp_path / "box")
    run = RunDir(box.path / "runs" / "m0000")
    with holding(f"from otgan.rundir import RunDir\nRunDir({str(run.path)!r}).lock()") as pid:
        with pytest.raises(RunFolderError, match=f"m0000: another otgan process is training "
                                                 f"in this folder \\(pid {pid} "):
            Box.claim(box.path, overwrite=True, exists="")
    assert (run.path / ".otgan-run").is_file() and (box.path / "a.json").is_file()


def test_set_aside_names_never_replace_one_another(tmp_path):
    box = make_box(tmp_path / "box")
    for i in range(3):
        (box.path / "a.json").write_text(str(i))
        box.set_aside(box.path / "a.json")
    assert {p.name: p.read_text() for p in box.path.glob("a.json*")} == {
        "a.json.damaged": "0", "a.json.damaged-2": "1", "a.json.damaged-3": "2"}
    assert box.foreign_files() == []  # set-aside copies are otgan's own: --overwrite removes them


def test_read_newest_falls_back_says_so_and_sets_aside_only_when_asked(tmp_path, capsys):
    box = make_box(tmp_path / "box")
    first, second = box.path / "a.json", box.path / "b.pt"
    first.write_text("bad")
    second.write_text("good")

    def load(p):
        if p.read_text() != "good":
            raise DamagedFile(f"{p}: damaged")
        return p.read_text()

    assert box.read_newest([first, second], load) == ("good", second)
    assert capsys.readouterr().err == f"otgan: {first}: damaged; using b.pt\n"
    assert first.is_file()
    assert box.read_newest([first, second], load, repair=True) == ("good", second)
    assert capsys.readouterr().err == (f"otgan: {first}: damaged; set aside as "
                                       f"a.json.damaged; using b.pt\n")
    assert not first.exists() and (box.path / "a.json.damaged").read_text() == "bad"
    assert box.read_newest([first], load) is None
    second.write_text("bad too")
    with pytest.raises(DamagedFile, match="b.pt: damaged"):
        box.read_newest([first, second], load)


def test_make_room_sets_aside_what_is_not_a_file(tmp_path, capsys):
    box = make_box(tmp_path / "box")
    (box.path / "b.pt").mkdir()
    (box.path / "b.pt" / "inside").write_text("kept")
    box.make_room(box.path / "b.pt")
    assert (box.path / "b.pt.damaged" / "inside").read_text() == "kept"
    assert "is not a file otgan wrote; set aside as b.pt.damaged" in capsys.readouterr().err
    box.make_room(box.path / "a.json")  # a file: left for the writer to replace
    assert (box.path / "a.json").is_file()


def test_the_sweep_folder_modules_do_not_load_torch():
    code = ("import sys\nimport otgan.owned, otgan.rundir, otgan.sweep.folder\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


def test_an_sd_wgan_runs_targets_are_its_own(tmp_path):
    """snapshots/targets.npy (written for sd-wgan's report) is otgan's: --overwrite removes it."""
    run = RunDir.create(tmp_path / "r")
    (run.path / "snapshots").mkdir()
    for name in ("targets.npy", "heldout.npy", "step_00000010.npz"):
        (run.path / "snapshots" / name).write_bytes(b"x")
    assert run.foreign_files() == []


def test_a_shard_being_trained_is_neither_trained_twice_nor_removed(tmp_path):
    """A process training shard 0 holds shards/0000.lock: another process asking for that
    shard, or --overwrite of the sweep, is refused in one line naming it."""
    from otgan.sweep.plan import make_plan
    from otgan.sweep.shard import run_shard

    plan = make_plan(dict(data="ring", method="wgan-clip", eval_n=100, metrics="w1"),
                     {"clip": [0.01, 0.02]}, seeds=1, steps=2, workers=1)
    folder = SweepFolder.prepare(tmp_path / "s", plan)
    with holding(f"from otgan.sweep.folder import SweepFolder\n"
                 f"SweepFolder({str(folder.path)!r}).lock('shards/0000.lock')") as pid:
        with pytest.raises(RunFolderError, match=f"shards: another otgan process is training "
                                                 f"in this folder \\(pid {pid} "):
            run_shard(folder.path, 0)
        with pytest.raises(RunFolderError, match=f"\\(pid {pid} "):
            SweepFolder.prepare(folder.path, plan, overwrite=True)
        assert SweepFolder.prepare(folder.path, plan).done() == set()  # continuing is fine
    assert run_shard(folder.path, 0)["shard"] == 0 and folder.done() == {0}
