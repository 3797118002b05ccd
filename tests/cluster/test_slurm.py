"""otgan against a real SLURM (a single-node cluster on this machine, minislurm.py): a sweep as
an array job with a task cancelled and the same command run again, the documented srun torchrun
recipe, a training job preempted (requeued) and continued by the same command, and the job
scripts in jobs/ as the docs quote them.  Opt-in: `make test-cluster` (pytest -m cluster).

Every run is tiny (a few hundred updates of small networks, one torch thread per process): the
tests check what SLURM does to otgan's processes and what otgan does about it, with answers
known exactly (the local launcher's table, the uninterrupted run's weights)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import torch

import otgan
from otgan.rundir import RunDir
from otgan.sweep.plan import describe
from tests.training.test_fit import assert_same_state

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
JOBS = ROOT / "jobs"
#: tiny runs: a small ring, held-out W1 on 500 points, checkpoints every 50 updates
TINY = ["--data", "ring", "--n-train", "1000", "--n-test", "500", "--eval-n", "500",
        "--metrics", "w1", "--checkpoint-every", "50", "--no-progress"]


def otgan_env(cluster, **extra) -> dict:
    """The environment jobs are submitted with (sbatch passes it on): this cluster, this
    Python's otgan and torchrun first on PATH, this tree's otgan imported."""
    env = cluster.env()
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    src = str(Path(otgan.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    env.update(extra)
    return env


def otgan_cli(cluster, args, cwd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "otgan", *args], cwd=cwd,
                          env=otgan_env(cluster), capture_output=True, text=True, **kw)


def sbatch(cluster, script: Path, *args: str, cwd: Path, options=(), env: dict | None = None
           ) -> str:
    """Submit ``script`` with ``args`` (sbatch ``options`` before it); the job's id."""
    r = subprocess.run(["sbatch", "--parsable", *options, str(script), *args], cwd=cwd,
                       env=env or otgan_env(cluster), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().split(";")[0]


def job(cluster, job_id: str) -> dict:
    """`scontrol show job`'s fields of one job (of each array task: a list when an array)."""
    out = cluster.run("scontrol", "show", "job", "-o", job_id, check=False)
    tasks = [dict(re.findall(r"(\w+)=(\S*)", line)) for line in out.splitlines() if line]
    return tasks[0] if len(tasks) == 1 else {"tasks": tasks}


def wait_for(what: str, ready, timeout: float = 120, every: float = 0.2, log=None):
    """Wait until ``ready()`` is true (returns its value), or fail naming ``what`` (and the
    tail of ``log``)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        value = ready()
        if value:
            return value
        time.sleep(every)
    tail = ""
    if log is not None and Path(log).exists():
        tail = "\n" + "\n".join(Path(log).read_text(errors="replace").splitlines()[-20:])
    pytest.fail(f"waited {timeout:.0f} s for {what}{tail}")


def finished(cluster, job_id: str) -> bool:
    """No task of the job is pending or running any more."""
    return not cluster.run("squeue", "-h", "-j", job_id, "-o", "%T", check=False).split()


# -- a sweep as an array job -------------------------------------------------------------------
SWEEP = ["sweep", "--data", "ring", "--grid", "method=wgan-gp,bigan", "--seeds", "2",
         "--steps", "300", "--shard-size", "1", "--set", "n_train=1000", "--set", "n_test=500",
         "--set", "eval_n=500", "--set", "metrics=w1", "--set", "checkpoint_every=25",
         "--no-progress"]



def reference_run(slurm, args, out):
    """The same training in one plain process beside the job (started now, waited for later)."""
    return subprocess.Popen([sys.executable, "-m", "otgan", "train", "--method", "wgan-gp",
                             *args, "--out", str(out)], cwd=out.parent, env=otgan_env(slurm),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

def test_sweep_array_with_a_task_cancelled_and_the_same_command_again(slurm, tmp_path):
    """4 shards (2 batched ensembles, 2 plain bigan runs) as one array job; the task of the
    first plain run is cancelled (scancel) after its first checkpoint; the same command again
    submits that shard alone, which continues from its checkpoint; the merged table is the local
    launcher's, number for number."""
    local = subprocess.Popen([sys.executable, "-m", "otgan", *SWEEP, "--workers", "2",
                              "--shard-size", "1", "--out", str(tmp_path / "local")],
                             cwd=tmp_path, env=otgan_env(slurm), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    slurm_sweep = SWEEP + ["--launcher", "slurm", "--out", str(tmp_path / "s")]
    first = otgan_cli(slurm, slurm_sweep, tmp_path)
    assert first.returncode == 0, first.stderr
    array = re.search(r"submitted array job (\d+): 4 shard\(s\)", first.stdout).group(1)
    # what was submitted is what --dry-run says (asked while the array runs)
    dry = subprocess.Popen([sys.executable, "-m", "otgan", *slurm_sweep, "--dry-run"],
                           cwd=tmp_path, env=otgan_env(slurm), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    tasks = job(slurm, array)
    tasks = tasks["tasks"] if "tasks" in tasks else [tasks]
    ids = sorted(int(t["ArrayTaskId"]) for t in tasks if t["ArrayTaskId"].isdigit())
    ranges = [t["ArrayTaskId"] for t in tasks if not t["ArrayTaskId"].isdigit()]
    assert ids == [0, 1, 2, 3] or ranges, tasks  # (pending tasks show as one range, "2-3")
    plan = json.loads((tmp_path / "s" / "plan.json").read_text())
    assert [s["kind"] for s in plan["shards"]] == ["ensemble", "ensemble", "run", "run"]

    member = plan["shards"][2]["members"][0]
    ckpt = tmp_path / "s" / "runs" / f"m{member:04d}" / "checkpoint.pt"
    wait_for("shard 2's first checkpoint", ckpt.exists, 150, 0.05)
    slurm.run("scancel", f"{array}_2")
    dry_out, dry_err = dry.communicate(timeout=120)
    assert dry.returncode == 0, dry_err
    assert dry_out.splitlines()[0] == "4 runs of 300 steps in 4 shards"
    assert describe(plan) + "\n" == dry_out  # the shards the array's tasks train
    wait_for(f"array job {array} to end", lambda: finished(slurm, array), 150, 0.5)
    state = job(slurm, f"{array}_2")
    assert state["JobState"] in ("CANCELLED", "FAILED"), state  # not COMPLETED
    assert not (tmp_path / "s" / "shards" / "0002.json").exists()
    stopped_at = RunDir(ckpt.parent).load_checkpoint()["state"]["step"]
    assert 0 < stopped_at < 300

    again = otgan_cli(slurm, slurm_sweep, tmp_path)  # the same command
    assert again.returncode == 0, again.stderr
    assert "3 of 4 shards already done" in again.stdout
    rerun = re.search(r"submitted array job (\d+): 1 shard\(s\)", again.stdout).group(1)
    wait_for(f"array job {rerun} to end", lambda: finished(slurm, rerun), 150, 0.5)
    record = json.loads((ckpt.parent / "config.json").read_text())
    assert [r["from_step"] for r in record["resumed"]] == [stopped_at]  # continued, not redone
    merged = otgan_cli(slurm, ["sweep", "collect", str(tmp_path / "s")], tmp_path)
    assert merged.returncode == 0 and "all 4 runs done" in merged.stdout, merged.stderr

    out, err = local.communicate(timeout=300)
    assert local.returncode == 0, err
    for shard in range(4):  # every member's W1 and generated points, but the timings
        a, b = (json.loads((tmp_path / f / "shards" / f"{shard:04d}.json").read_text())
                for f in ("s", "local"))
        assert untimed(a["records"]) == untimed(b["records"]), shard
    assert (tmp_path / "s" / "table.md").read_text() == (tmp_path / "local" /
                                                         "table.md").read_text()


def untimed(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if "seconds" not in k and k != "worker"}
            for r in records]


# -- the documented srun torchrun recipe -------------------------------------------------------
#: the script's two nodes, as two tasks on this cluster's one node
TWO_TASKS = ["--nodes=1", "--ntasks-per-node=2"]
#: what a gloo rank that aborts at its exit says (pytorch/pytorch#190489)
TEARDOWN_ABORT = "terminate called without an active exception"


def test_torchrun_recipe_two_tasks_requeued_equals_one_process(slurm, tmp_path):
    """jobs/torchrun.sbatch with two tasks on this host (two torchrun agents, as on two nodes,
    joined by a c10d rendezvous), requeued after its first checkpoint: both ranks stop after
    the same update, rank 0 saves it, and the same command continues the run on two ranks.  The
    weights are the one-process run's with the same global batch and seed (within 1e-5, as
    tests/runtime/test_distributed.py finds for gloo)."""
    # plain SGD, as there: Adam moves a weight by about lr whatever its gradient's size, so
    # float rounding in the ranks' sums (0 against 1e-10) would be a difference of lr
    # (here: largest difference 1.5e-7 after 100 updates, 1e-6 after 150, 3e-5 after 200: float
    # rounding grows as training goes; the requeued run is bitwise the uninterrupted 2-rank run)
    args = [*TINY, "--steps", "120", "--checkpoint-every", "10", "--batch-size", "64",
            "--optimizer", "sgd", "--lr-g", "0.02", "--lr-d", "0.02", "--ema", "0",
            "--n-critic", "2"]
    env = otgan_env(slurm, RDZV_PORT=str(_free_port()))
    job_id = sbatch(slurm, JOBS / "torchrun.sbatch", *args, cwd=tmp_path, env=env,
                    options=TWO_TASKS)
    one = reference_run(slurm, args, tmp_path / "one")
    run, log = tmp_path / "runs" / "otgan-ddp", tmp_path / f"otgan-ddp-{job_id}.out"
    requeued(slurm, job_id, run, log)
    state, why = ended(slurm, job_id, log)
    text = log.read_text()
    assert state["Restarts"] == "1", why
    if state["JobState"] != "COMPLETED":
        # a gloo rank can abort at its exit, after the run is written (docs/distributed.md)
        assert TEARDOWN_ABORT in text and state["JobState"] == "FAILED", why
        assert json.loads((run / "summary.json").read_text())["steps"] == 120
        warnings.warn(f"job {job_id}: a rank aborted at its exit ({TEARDOWN_ABORT})")
    step = int(re.search(r"SIGTERM received: stopped after step (\d+)", text).group(1))
    assert "holds the run these options started; continuing it from its checkpoint" in text
    record = json.loads((run / "config.json").read_text())
    assert record["world_size"] == 2 and 0 < step < 120
    assert [(r["from_step"], r["world_size"]) for r in record["resumed"]] == [(step, 2)]
    out, err = one.communicate(timeout=300)
    assert one.returncode == 0, err
    a, b = (RunDir(p).load_checkpoint()["state"] for p in (run, tmp_path / "one"))
    assert a["step"] == b["step"] == 120
    print("largest difference", max(float((a[p][k] - b[p][k]).abs().max())
                                     for p in ("generator", "critic") for k in a[p]))
    for part in ("generator", "critic"):
        for k in a[part]:
            torch.testing.assert_close(a[part][k], b[part][k], rtol=1e-4, atol=1e-5)


def requeued(slurm, job_id: str, run: Path, log: Path) -> None:
    """Requeue the job once its run has a checkpoint (SIGTERM to its processes, as SLURM's
    preemption sends), let it start again at once, and wait until it ends."""
    wait_for("the first checkpoint", (run / "checkpoint.pt").exists, 150, 0.05, log)
    slurm.run("scontrol", "requeue", job_id)
    # SLURM holds a requeued job back two minutes (its BeginTime); here it may start at once
    wait_for(f"job {job_id} to be requeued", lambda: job(slurm, job_id)["JobState"] == "PENDING",
             60, 0.2, log)
    # slurmd refuses to launch a job again while the step of its first start is still there
    # (its slurmstepd, its socket in the spool folder): the launch then fails and the job ends
    # FAILED without a second start (seen once in CI), so wait until that step is gone
    wait_for(f"job {job_id}'s first step to be gone", lambda: slurm.steps_gone(job_id), 60, 0.2,
             log)
    slurm.run("scontrol", "update", f"JobId={job_id}", "StartTime=now")
    wait_for(f"job {job_id}", lambda: finished(slurm, job_id), 150, 0.5, log)


def ended(slurm, job_id: str, log: Path) -> tuple[dict, str]:
    """A finished job's fields and its output, and a message telling what happened to it
    (its fields, the output, the controller's and slurmd's lines about it) for assertions."""
    state, text = job(slurm, job_id), log.read_text()
    fields = {k: state.get(k) for k in ("JobState", "Restarts", "ExitCode", "Reason")}
    return state, f"{fields}\n{text}\n{slurm.log_lines(job_id)}"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


# -- preemption: requeued, continued by the same command ---------------------------------------
def test_a_requeued_training_job_continues_bitwise_as_the_uninterrupted_run(slurm, tmp_path):
    """jobs/train.sbatch (--requeue) is requeued after its first checkpoint (`scontrol requeue`:
    SIGTERM, as a preemption sends): otgan saves a checkpoint and exits; SLURM starts the same
    script again, whose same otgan command continues the run from that checkpoint, and the run
    ends with bitwise the weights of the same run never interrupted."""
    args = [*TINY, "--steps", "400"]
    job_id = sbatch(slurm, JOBS / "train.sbatch", *args, cwd=tmp_path,
                    options=["--job-name=pre"])
    ref = reference_run(slurm, args, tmp_path / "ref")
    run, log = tmp_path / "runs" / "pre", tmp_path / f"pre-{job_id}.out"
    requeued(slurm, job_id, run, log)
    state, why = ended(slurm, job_id, log)
    text = log.read_text()
    assert state["JobState"] == "COMPLETED" and state["Restarts"] == "1", why
    stopped = re.search(r"SIGTERM received: stopped after step (\d+)", text)
    assert stopped, text
    step = int(stopped.group(1))
    assert "holds the run these options started; continuing it from its checkpoint" in text
    record = json.loads((run / "config.json").read_text())
    assert [r["from_step"] for r in record["resumed"]] == [step] and 0 < step < 400
    out, err = ref.communicate(timeout=300)
    assert ref.returncode == 0, err
    a, b = (RunDir(p).load_checkpoint()["state"] for p in (run, tmp_path / "ref"))
    assert a["step"] == b["step"] == 400
    assert_same_state(a, b)
    steps = sorted((r["step"], bool(r.get("eval"))) for r in RunDir(run).read_metrics())
    assert steps == sorted((r["step"], bool(r.get("eval")))
                           for r in RunDir(tmp_path / "ref").read_metrics())


# -- the job scripts as sbatch reads them ------------------------------------------------------
@pytest.mark.parametrize("script", sorted(JOBS.glob("*.sbatch")), ids=lambda p: p.name)
def test_sbatch_accepts_the_job_scripts(slurm, tmp_path, script):
    options = TWO_TASKS if script.name == "torchrun.sbatch" else []
    r = subprocess.run(["sbatch", "--test-only", *options, str(script)], cwd=tmp_path,
                       env=otgan_env(slurm), capture_output=True, text=True)
    # --test-only answers on stderr: "Job N to start at ... using K processors on nodes ..."
    assert r.returncode == 0 and "to start at" in r.stderr, r.stderr
