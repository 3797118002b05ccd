"""Nothing lost: exact resume, graceful signals, crash-safe checkpoints, the divergence guard."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch

import otgan
from otgan.methods import METHODS
from otgan.errors import ConfigError, RunFolderError
from otgan.training.loop import Diverged
from otgan.rundir import RunDir
from tests.conftest import quick_config


def final_weights(path):
    state = RunDir(path).load_checkpoint()["state"]
    return state


def assert_same_state(a, b):
    for part in ("generator", "critic", "ema", "opt_g", "opt_d"):
        sa, sb = a[part], b[part]
        if part.startswith("opt"):
            sa, sb = sa["state"], sb["state"]
        ta, tb = list(_tensors(sa)), list(_tensors(sb))
        if not ta:  # e.g. averaged SGD's state: step counters only
            assert sa == sb, part
            continue
        flat_a = torch.cat([v.flatten().double() for v in ta])
        flat_b = torch.cat([v.flatten().double() for v in tb])
        assert torch.equal(flat_a, flat_b), part


def _tensors(d):
    if isinstance(d, torch.Tensor):
        yield d
    elif isinstance(d, dict):
        for k in sorted(d, key=str):
            yield from _tensors(d[k])


@pytest.mark.parametrize("method", list(METHODS))
def test_interrupted_and_resumed_equals_uninterrupted(tmp_path, method):
    # evaluations (w1 alone: the resume must keep their records, not recompute every metric)
    kw = dict(method=method, steps=24, ema=0.9, log_every=4, eval_every=8, checkpoint_every=8,
              metrics="w1")
    otgan.train(quick_config(**kw), out=tmp_path / "full")
    otgan.train(quick_config(**{**kw, "steps": 10}), out=tmp_path / "cut")
    run = otgan.resume(tmp_path / "cut", {"steps": 24})
    assert run.state.step == 24
    assert_same_state(final_weights(tmp_path / "full"), final_weights(tmp_path / "cut"))
    rec = json.loads((tmp_path / "cut" / "config.json").read_text())
    assert rec["config"]["steps"] == 24 and rec["resumed"][0]["from_step"] == 10
    steps = [r["step"] for r in RunDir(tmp_path / "cut").read_metrics() if not r.get("eval")]
    assert steps == sorted(set(steps))  # no duplicated or lost lines


def test_resumed_inside_the_semi_discrete_warm_up_equals_uninterrupted(tmp_path):
    # cut at 10 of the warm-up's 16 updates: its own dual and step count are in the checkpoint
    kw = dict(method="sd-wgan", steps=24, log_every=4, eval_every=0, checkpoint_every=8,
              n_train=300, sd_warmup_targets=30, sd_warmup_steps=16, n_critic=2, metrics="w1")
    otgan.train(quick_config(**kw), out=tmp_path / "full")
    otgan.train(quick_config(**{**kw, "steps": 10}), out=tmp_path / "cut")
    otgan.resume(tmp_path / "cut", {"steps": 24})
    assert_same_state(final_weights(tmp_path / "full"), final_weights(tmp_path / "cut"))
    # the records of whole logging intervals (the cut's 10 and the resumed 12 are partial)
    a, b = ({r["step"]: r for r in RunDir(tmp_path / n).read_metrics() if not r.get("eval")}
            for n in ("full", "cut"))
    for step, key in [(4, "warmup_w_estimate"), (8, "warmup_w_estimate"),
                      (16, "warmup_w_estimate"), (20, "w_estimate"), (24, "w_estimate")]:
        assert a[step][key] == b[step][key]


def test_resume_refuses_changed_hyperparameters(tmp_path):
    otgan.train(quick_config(steps=5), out=tmp_path / "r")
    with pytest.raises(RunFolderError, match="used lr_d = .* cannot continue with lr_d = 0.5"):
        otgan.resume(tmp_path / "r", {"steps": 10, "lr_d": 0.5})
    with pytest.raises(ConfigError, match="clip does not apply"):
        otgan.resume(tmp_path / "r", {"steps": 10, "clip": 0.1})
    with pytest.raises(ConfigError, match="pass --steps greater than 5"):
        otgan.resume(tmp_path / "r")
    with pytest.raises(RunFolderError, match="run folder not found"):
        otgan.resume(tmp_path / "nope", {"steps": 10})


def test_time_limit_ends_the_run_as_its_last_step(tmp_path):
    kw = dict(steps=10**6, log_every=10**6, eval_every=0, metrics="w1", time_limit=0.5)
    run = otgan.train(quick_config(**kw), out=tmp_path / "t")
    last = run.state.step
    assert 0 < last < 10**6 and run.state.train_time >= 0.5
    records = RunDir(tmp_path / "t").read_metrics()
    # the update that crossed the limit is the end: logged, evaluated, checkpointed
    assert [r["step"] for r in records if not r.get("eval")] == [last]
    assert [r["step"] for r in records if r.get("eval")] == [last]
    assert RunDir(tmp_path / "t").load_checkpoint()["state"]["step"] == last
    with pytest.raises(ConfigError, match="pass --time-limit greater than"):
        otgan.resume(tmp_path / "t", {"steps": 10**6})
    more = otgan.resume(tmp_path / "t", {"steps": last + 3, "time_limit": 0})
    assert more.state.step == last + 3


WRITER = textwrap.dedent("""
    import sys, torch
    from otgan.rundir import RunDir
    d = RunDir(sys.argv[1])
    i = 0
    while True:
        i += 1
        d.save_checkpoint({"format": 1, "state": {"step": i},
                           "payload": torch.full((4_000_000,), float(i))})
        print(i, flush=True)
""")


def test_sigkill_during_saves_never_leaves_a_corrupt_checkpoint(tmp_path):
    for trial in range(3):
        folder = tmp_path / f"k{trial}"
        folder.mkdir()
        p = subprocess.Popen([sys.executable, "-c", WRITER, str(folder)], stdout=subprocess.PIPE,
                             text=True)
        for _ in range(2 + trial):  # let it complete a few saves, then kill it mid-way
            p.stdout.readline()
        time.sleep(0.05 * trial)
        p.kill()
        p.wait()
        state = RunDir(folder).load_checkpoint()
        i = state["state"]["step"]
        assert i >= 1
        assert torch.all(state["payload"] == float(i))  # complete, not torn


SIGNAL_RUN = textwrap.dedent("""
    import sys
    from otgan.cli import main
    main(["train", "--data", "ring", "--steps", "100000", "--batch-size", "32",
          "--n-train", "1000", "--n-test", "500", "--eval-every", "0", "--eval-n", "200",
          "--no-progress", "--no-tensorboard", "--out", sys.argv[1]])
""")


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_save_a_checkpoint_and_exit_cleanly(tmp_path, sig, code):
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    p = subprocess.Popen([sys.executable, "-c", SIGNAL_RUN, str(out)], stderr=subprocess.PIPE,
                         text=True, env=env)
    deadline = time.time() + 120
    while not (out / "metrics.jsonl").exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    assert p.returncode == code, err
    assert "checkpoint saved at step" in err and "--resume" in err
    assert "Traceback" not in err
    state = RunDir(out).load_checkpoint()["state"]
    assert state["step"] > 0


LONG_EVALS = textwrap.dedent("""
    import sys
    from otgan.cli import main
    main(["train", "--data", "ring", "--steps", "100000", "--batch-size", "32",
          "--n-train", "4000", "--n-test", "4000", "--eval-every", "1", "--eval-n", "4000",
          "--metrics", "w1", "--no-progress", "--no-tensorboard", "--out", sys.argv[1],
          *sys.argv[2:]])
""")


@pytest.mark.parametrize("extra,said", [
    ([], "background metrics (w1) of the evaluation(s) at step(s)"),
    (["--no-eval-background"], "was cut short (--resume computes it first)")])
def test_a_signal_does_not_wait_for_evaluations(tmp_path, extra, said):
    """Exact W1 on 4000 points takes seconds per evaluation, one per update: SIGINT stops
    without computing the queued (or running) ones, and the checkpoint is saved."""
    out = tmp_path / "run"
    p = subprocess.Popen([sys.executable, "-c", LONG_EVALS, str(out), *extra],
                         stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (out / "checkpoint.pt").exists() and not (out / "metrics.jsonl").exists() \
            and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130 and "Traceback" not in err, err
    assert said in err and "checkpoint saved at step" in err
    step = RunDir(out).load_checkpoint()["state"]["step"]
    evals = [r for r in RunDir(out).read_metrics() if r.get("eval")]
    assert all(r["step"] <= step for r in evals)
    if not extra:  # every queued evaluation is in the log, the unfinished ones without w1
        cut = "evaluation at step %d was cut short" % step in err  # the one it was in
        assert [r["step"] for r in evals] == list(range(1, step + (not cut)))
        assert any("w1" not in r for r in evals)


def _evals(path):
    """The evaluation records of a run, without their timings."""
    return [{k: v for k, v in r.items() if k != "metric_seconds"}
            for r in RunDir(path).read_metrics() if r.get("eval")]


@pytest.mark.parametrize("when", ["during", "before"])
def test_the_evaluation_a_signal_cut_short_is_recorded_when_the_run_resumes(tmp_path,
                                                                             monkeypatch, when):
    """SIGINT during the evaluation at step 6 (or during the update before it, so that it never
    starts): the checkpoint is step 6 and --resume computes that evaluation first, so the
    resumed run's log holds every evaluation of the uninterrupted run, with the same values."""
    from otgan.training.evaluation import Evaluator
    from otgan.training.signals import Interrupted

    kw = dict(steps=9, eval_every=3, metrics="w1", eval_n=300, eval_background=False,
              tensorboard=False)
    otgan.train(quick_config(**kw), out=tmp_path / "full")
    evaluate, update = Evaluator.__call__, torch.optim.Adam.step
    fired = []

    def interrupted_evaluation(self, state):
        if state.step == 6 and not fired:
            fired.append(os.kill(os.getpid(), signal.SIGINT))
        return evaluate(self, state)

    def interrupted_update(self, *a, **k):  # the generator's last update before step 6
        out = update(self, *a, **k)
        if self is run_state[0].opt_g and run_state[0].step == 5 and not fired:
            fired.append(os.kill(os.getpid(), signal.SIGINT))
        return out

    run_state = []
    if when == "during":
        monkeypatch.setattr(Evaluator, "__call__", interrupted_evaluation)
    else:
        from otgan.training import fit as fit_module

        loop = fit_module.train_loop

        def spy(state, *a, **k):
            run_state.append(state)
            return loop(state, *a, **k)

        monkeypatch.setattr(fit_module, "train_loop", spy)
        monkeypatch.setattr(torch.optim.Adam, "step", interrupted_update)
    with pytest.raises(Interrupted, match="evaluation at step 6 was cut short"):
        otgan.train(quick_config(**kw), out=tmp_path / "cut")
    monkeypatch.undo()
    assert RunDir(tmp_path / "cut").load_checkpoint()["state"]["step"] == 6
    assert [r["step"] for r in _evals(tmp_path / "cut")] == [3]
    otgan.resume(tmp_path / "cut")
    assert _evals(tmp_path / "cut") == _evals(tmp_path / "full")
    assert [r["step"] for r in _evals(tmp_path / "full")] == [3, 6, 9]


class NaNAfter(torch.nn.Module):
    """A critic that starts returning NaN after ``n`` forward passes."""

    def __init__(self, n):
        super().__init__()
        self.lin = torch.nn.Linear(2, 1)
        self.calls, self.n = 0, n

    def forward(self, x):
        self.calls += 1
        out = self.lin(x)
        return out * float("nan") if self.calls > self.n else out


def test_divergence_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path):
    G = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    cfg = dict(steps=40, n_critic=1, log_every=5, checkpoint_every=10, eval_every=0,
               batch_size=32, tensorboard=False)
    with pytest.raises(Diverged, match=r"diverged at step 15: .* last good checkpoint: .*"
                                       r"checkpoint.pt \(step 10\)"):
        # three critic calls per step (real and fake, interpolates, the generator update):
        # step 12 ends with the 36th call, step 13's are NaN, the step-15 log line sees them
        otgan.train(data="ring", generator=G, critic=NaNAfter(36), out=tmp_path / "d", **cfg)
    state = RunDir(tmp_path / "d").load_checkpoint()["state"]
    assert state["step"] == 10
    assert all(torch.isfinite(v).all() for v in state["critic"].values())


def test_epochs_set_the_length_as_the_labs_loop_counts_it(tmp_path):
    """One epoch is N_train / batch_size critic updates, n_critic per generator update: 300
    points, batch 32, n_critic 5 -> 1.875 generator updates per epoch; 2.5 epochs -> 5 (4.69
    rounded up)."""
    run = otgan.train(data="ring", epochs=2.5, n_critic=5, batch_size=32, n_train=300,
                      n_test=100, eval_every=0, eval_n=100, metrics="w1", tensorboard=False,
                      progress=False, out=tmp_path / "e")
    assert run.config.steps == 5 and run.state.step == 5
    saved = json.loads((tmp_path / "e" / "config.json").read_text())["config"]
    assert (saved["epochs"], saved["steps"]) == (2.5, 5)
    run = otgan.resume(tmp_path / "e", {"epochs": 4})  # 7.5 -> 8 generator updates
    assert run.state.step == 8
    run = otgan.resume(tmp_path / "e", {"steps": 10})  # a length in steps replaces epochs
    assert run.state.step == 10 and run.config.epochs == 0
    with pytest.raises(ConfigError, match="steps and epochs both set the training length"):
        quick_config(epochs=1, steps=10)


@pytest.mark.parametrize("global_draws", [False, True])
def test_a_stop_inside_an_evaluation_resumes_bitwise(tmp_path, monkeypatch, global_draws):
    """A stop that lands inside the evaluation at step 6, at a named point of the evaluation's
    thread (the estimating critic's first batch): the signal is sent there and that thread
    waits until the checkpoint is written, so the checkpoint is taken while the evaluation is
    mid-way, deterministically.  ``global_draws``: the evaluation also draws from torch's global
    stream there (as a metric of a user's could).  The resumed run ends bitwise equal to the
    uninterrupted one, with the same evaluations."""
    import threading

    from otgan.rundir import RunDir as Folder
    from otgan.training import evaluation
    from otgan.training.signals import Interrupted

    kw = dict(steps=9, eval_every=3, metrics="critic,w1", eval_n=300, eval_critic_steps=5,
              eval_background=False, tensorboard=False)
    otgan.train(quick_config(**kw), out=tmp_path / "full")
    draw, save = evaluation.sample_latent, Folder.save_checkpoint
    saved, fired = threading.Event(), []

    def fault(*a, **k):  # the named point: the estimating critic draws its first codes
        if not fired and threading.current_thread() is not threading.main_thread():
            fired.append(os.kill(os.getpid(), signal.SIGINT))
            if global_draws:
                torch.rand(1000)
            assert saved.wait(60)  # (an ordering, not a timing: set when the checkpoint is)
        return draw(*a, **k)

    def saving(self, data):
        out = save(self, data)
        saved.set()
        return out

    monkeypatch.setattr(evaluation, "sample_latent", fault)
    monkeypatch.setattr(Folder, "save_checkpoint", saving)
    with pytest.raises(Interrupted, match="evaluation at step 3 was cut short"):
        otgan.train(quick_config(**kw), out=tmp_path / "cut")
    monkeypatch.undo()
    assert RunDir(tmp_path / "cut").load_checkpoint()["state"]["step"] == 3
    otgan.resume(tmp_path / "cut")
    assert_same_state(final_weights(tmp_path / "full"), final_weights(tmp_path / "cut"))
    assert _evals(tmp_path / "cut") == _evals(tmp_path / "full")
