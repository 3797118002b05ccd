"""The same options continue their run: a start whose --out folder holds the run those options
started resumes it from its checkpoint (a cluster job requeued after a preemption runs the
same script again), bitwise as the run never interrupted; other options are refused there."""

import json
import os
import signal

import numpy as np
import pytest

import otgan
from otgan.api import make_config
from otgan.cli import main
from otgan.errors import RunFolderError
from otgan.rundir import RunDir
from otgan.training.checkpoint import Checkpoints
from otgan.training.signals import Interrupted
from tests.conftest import quick_config
from tests.training.test_fit import assert_same_state, final_weights

KW = dict(steps=24, log_every=4, eval_every=8, checkpoint_every=8, metrics="w1")


def stopped_after_first_checkpoint(monkeypatch, cfg, out, step=8, start=None):
    """Train ``cfg`` into ``out`` (or call ``start``), stopped by a SIGTERM right after its
    first checkpoint (as a preempted job is), which then saves that update's checkpoint and
    raises Interrupted."""
    save, sent = Checkpoints.save, []

    def save_then_term(self, state=None):
        save(self, state)
        if not sent:
            sent.append(os.kill(os.getpid(), signal.SIGTERM))

    with monkeypatch.context() as m:
        m.setattr(Checkpoints, "save", save_then_term)
        with pytest.raises(Interrupted, match=f"SIGTERM received: stopped after step {step}"):
            start() if start is not None else otgan.train(cfg, out=out)


def snapshot(path):
    """Every file's bytes and time, but the lock's (its holder's pid, written on locking)."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in path.iterdir()
            if p.is_file() and p.name != ".otgan-lock"}


def test_the_same_options_continue_their_run_to_the_uninterrupted_end(tmp_path, monkeypatch,
                                                                       capfd):
    cfg = quick_config(**KW)
    otgan.train(cfg, out=tmp_path / "full")
    stopped_after_first_checkpoint(monkeypatch, cfg, tmp_path / "cut")
    capfd.readouterr()
    run = otgan.train(quick_config(**KW), out=tmp_path / "cut")  # the same options again
    assert "holds the run these options started; continuing it" in capfd.readouterr().err
    assert run.state.step == 24
    assert_same_state(final_weights(tmp_path / "full"), final_weights(tmp_path / "cut"))
    record = json.loads((tmp_path / "cut" / "config.json").read_text())
    assert [r["from_step"] for r in record["resumed"]] == [8]
    assert record["requested"] == cfg.to_dict()
    full, cut = (RunDir(tmp_path / n).read_metrics() for n in ("full", "cut"))
    # none lost, none twice (background evaluations' records land in their own order)
    assert sorted((r["step"], bool(r.get("eval"))) for r in cut) == \
        sorted((r["step"], bool(r.get("eval"))) for r in full)
    # (the SIGTERM left the background W1 of step 8's evaluation out, and said so)
    assert [r["w1"] for r in cut if r.get("eval") and r["step"] > 8] == \
        [r["w1"] for r in full if r.get("eval") and r["step"] > 8]

    # once more: the run is at its end with its files written; nothing is written
    before = snapshot(tmp_path / "cut")
    again = otgan.train(quick_config(**KW), out=tmp_path / "cut")
    err = capfd.readouterr().err
    assert "trained to its end (step 24) and wrote its files; nothing to do" in err
    assert len(err.strip().splitlines()) == 1, err  # no "continuing it" before it
    assert again.state.step == 24 and snapshot(tmp_path / "cut") == before
    # other options: refused, as before
    with pytest.raises(RunFolderError, match="a run already exists there; pass --overwrite"):
        otgan.train(quick_config(**{**KW, "lr_d": 5e-4}), out=tmp_path / "cut")
    assert snapshot(tmp_path / "cut") == before


def test_a_run_stopped_before_its_first_checkpoint_starts_again(tmp_path):
    cfg = quick_config(**KW)
    otgan.train(cfg, out=tmp_path / "full")
    otgan.train(cfg, out=tmp_path / "cut")
    for name in ("checkpoint.pt", "checkpoint.prev.pt", "summary.json", "report.html"):
        (tmp_path / "cut" / name).unlink()  # as a run killed (SIGKILL) before its first save
    otgan.train(cfg, out=tmp_path / "cut")
    assert_same_state(final_weights(tmp_path / "full"), final_weights(tmp_path / "cut"))
    assert "resumed" not in json.loads((tmp_path / "cut" / "config.json").read_text())


def test_a_run_at_its_end_without_its_last_files_writes_them(tmp_path):
    cfg = quick_config(**KW)
    otgan.train(cfg, out=tmp_path / "r")
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    weights = final_weights(tmp_path / "r")
    (tmp_path / "r" / "report.html").unlink()  # killed while the last files were written
    otgan.train(cfg, out=tmp_path / "r")
    assert (tmp_path / "r" / "report.html").is_file()
    again = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert again["steps"] == 24 and again["eval_step"] == 24 and again["w1"] == summary["w1"]
    assert_same_state(weights, final_weights(tmp_path / "r"))  # not trained further


def test_a_changed_data_file_is_refused_naming_what_to_do(tmp_path, capfd):
    data = tmp_path / "x.npy"
    np.save(data, np.random.default_rng(0).normal(size=(600, 2)).astype(np.float32))
    cfg = make_config(None, None, dict(data=str(data), steps=4, batch_size=32, eval_n=50,
                                       eval_every=0, log_every=2, checkpoint_every=0))
    otgan.train(cfg, out=tmp_path / "r")
    np.save(data, np.random.default_rng(1).normal(size=(600, 2)).astype(np.float32))
    with pytest.raises(RunFolderError, match=r"--out .*r \(the run these options started\): "
                       r"the data file .*x.npy changed since the run read it .*; continue it "
                       r"with otgan train --resume .*r --accept-changed-inputs, or pass "
                       r"--overwrite to start afresh"):
        capfd.readouterr()
        otgan.train(cfg, out=tmp_path / "r")
    assert "continuing" not in capfd.readouterr().err  # the refusal alone


def test_data_in_memory_never_continues_a_run(tmp_path):
    x = np.random.default_rng(0).normal(size=(600, 2)).astype(np.float32)
    cfg = make_config(None, None, dict(steps=4, batch_size=32, eval_n=50, eval_every=0,
                                       log_every=2, checkpoint_every=0))
    otgan.train(cfg, data=x, out=tmp_path / "r")
    with pytest.raises(RunFolderError, match="a run already exists there"):
        otgan.train(cfg, data=x, out=tmp_path / "r")


def test_the_command_line_said_twice(tmp_path, capsys):
    args = ["train", "--data", "ring", "--steps", "4", "--n-train", "500", "--n-test", "200",
            "--eval-n", "200", "--metrics", "w1", "--no-progress", "--out", str(tmp_path / "r")]
    for expected in ("", "nothing to do"):
        with pytest.raises(SystemExit) as e:
            main(args)
        out = capsys.readouterr()
        assert e.value.code == 0 and expected in out.err and "done: 4 steps" in out.out
        assert "continuing" not in out.err and len(out.err.strip().splitlines()) <= 1, out.err
    with pytest.raises(SystemExit) as e:
        main(args[:-2] + ["--seed", "1"] + args[-2:])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.strip().endswith(
        "a run already exists there; pass --overwrite to replace it or --resume to continue it")


def test_a_run_extended_with_resume_is_continued_to_its_new_length(tmp_path, monkeypatch):
    """`--resume --steps 24` of an 8-step run, stopped at 16, then its first command again:
    the run goes on to 24, as the uninterrupted 24-step run."""
    otgan.train(quick_config(**KW), out=tmp_path / "full")
    first = quick_config(**{**KW, "steps": 8})
    otgan.train(first, out=tmp_path / "r")
    stopped_after_first_checkpoint(monkeypatch, None, None, step=16, start=lambda: otgan.resume(
        tmp_path / "r", {"steps": 24}))
    run = otgan.train(first, out=tmp_path / "r")
    assert run.state.step == 24
    assert_same_state(final_weights(tmp_path / "full"), final_weights(tmp_path / "r"))
