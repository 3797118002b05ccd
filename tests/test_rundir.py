"""Run folders: contents, atomic checkpoints, safe loading, sampling from disk."""

import json
import pickle

import numpy as np
import pytest
import torch

import otgan
from otgan.errors import RunFolderError
from otgan.rundir import CHECKPOINT, PREVIOUS, RunDir
from tests.conftest import quick_config


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "ring"
    otgan.train(quick_config(steps=30, eval_every=15, checkpoint_every=10), out=out)
    return out


def test_folder_contents(run_dir):
    names = {p.name for p in run_dir.iterdir()}
    assert {"config.json", "metrics.jsonl", CHECKPOINT, PREVIOUS, "samples.png", "summary.json",
            "report.html", "tensorboard", "snapshots"} <= names
    record = json.loads((run_dir / "config.json").read_text())
    assert record["seed"] == 0
    assert record["versions"]["torch"] == torch.__version__
    assert record["versions"]["otgan"] == otgan.__version__
    assert record["config"]["method"] == "wgan-gp"
    lines = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    train = [r for r in lines if not r.get("eval")]
    evals = [r for r in lines if r.get("eval")]
    assert [r["step"] for r in train] == [10, 20, 30]
    assert [r["step"] for r in evals] == [15, 30]
    assert all("time" in r and "loss_d" in r and "gnorm_interp" in r for r in train)
    assert all("w1" in r and "w2" in r and "w_estimate" in r for r in evals)
    assert (run_dir / "samples.png").read_bytes()[:4] == b"\x89PNG"


def test_load_run_and_sample_reproducibly(run_dir):
    run = otgan.load_run(run_dir)
    a, b, c = run.sample(100, seed=3), run.sample(100, seed=3), run.sample(100, seed=4)
    assert a.shape == (100, 2) and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    trained = otgan.load_run(run_dir)
    assert np.array_equal(trained.sample(100, seed=3), a)


def test_refuses_to_clobber(run_dir, tmp_path):
    with pytest.raises(RunFolderError, match="a run already exists"):
        RunDir.create(run_dir)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(RunFolderError, match="not an otgan run"):
        RunDir.create(tmp_path / "mine", overwrite=True)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_crafted_pickle_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / CHECKPOINT).write_bytes(pickle.dumps({"format": 1, "x": Evil()}, protocol=2))
    with pytest.raises(RunFolderError, match="refused or unreadable checkpoint"):
        RunDir(folder).load_checkpoint()


def test_previous_checkpoint_is_used_when_the_last_is_missing(run_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    (copy / CHECKPOINT).unlink()
    state = RunDir(copy).load_checkpoint()
    assert state["state"]["step"] == 20  # the checkpoint before the final one


def test_torn_metrics_line_is_skipped(tmp_path):
    d = RunDir(tmp_path)
    d.append_metrics({"step": 1})
    with open(tmp_path / "metrics.jsonl", "a") as f:
        f.write('{"step": 2, "los')
    assert d.read_metrics() == [{"step": 1}]


def test_newer_format_is_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"format": 99, "config": {}}))
    with pytest.raises(RunFolderError, match="newer otgan"):
        otgan.load_run(tmp_path)


def test_unwritable_output_is_refused_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunFolderError, match="cannot write there"):
        otgan.train(quick_config(), out=blocker / "run")
    with pytest.raises(RunFolderError, match="exists and is not a folder"):
        otgan.train(quick_config(), out=blocker)


def test_low_disk_space_is_refused_before_training(tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9, 1024))
    with pytest.raises(RunFolderError, match="MiB free"):
        RunDir.create(tmp_path / "r")


def test_disk_full_during_training_keeps_the_last_checkpoint(tmp_path, monkeypatch):
    import errno

    from otgan import rundir as runs

    real_append = runs.RunDir.append_metrics
    calls = {"n": 0}

    def failing_append(self, record):
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_append(self, record)

    monkeypatch.setattr(runs.RunDir, "append_metrics", failing_append)
    with pytest.raises(RunFolderError, match=r"No space left on device.*checkpoint.pt \(step 10\)"):
        otgan.train(quick_config(steps=40, log_every=5, checkpoint_every=10, eval_every=0,
                                 tensorboard=False), out=tmp_path / "full")
    assert RunDir(tmp_path / "full").load_checkpoint()["state"]["step"] == 10


def test_an_image_runs_grids_are_its_own_files(tmp_path):
    """snapshots/grid_*.png (an image run's evaluations) are otgan's: --overwrite removes them,
    and a resume drops those after its checkpoint's step, as it drops points' snapshots."""
    folder = RunDir.create(tmp_path / "run")
    snaps = folder.path / "snapshots"
    snaps.mkdir()
    for step in (100, 200):
        (snaps / f"grid_{step:08d}.png").write_bytes(b"png")
    (folder.path / "metrics.jsonl").write_text("")
    folder.truncate_after(150)
    assert sorted(p.name for p in snaps.iterdir()) == ["grid_00000100.png"]
    folder.unlock()
    RunDir.create(tmp_path / "run", overwrite=True)
    assert not (tmp_path / "run" / "snapshots").exists()
