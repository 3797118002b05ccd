"""Shards: an array run through submitit's executor on this machine, a shard killed midway and
continued, merged tables against single runs, plain runs (sd-wgan) beside batched ensembles."""

import pytest

from otgan import api
from otgan.config import from_dict
from otgan.rundir import RunDir
from otgan.sweep.collect import collect, summarize
from otgan.sweep.folder import SweepFolder
from otgan.sweep.plan import make_plan
from otgan.sweep.runner import run_sweep
from otgan.sweep.slurm import submit_array

pytest.importorskip("submitit")

# two wgan-clip members (one batched ensemble) and two sd-wgan members (plain runs)
BASE = dict(data="ring", n_train=500, n_test=300, log_every=10**9, metrics="w1",
            checkpoint_every=2)
GRID = {"method": ["wgan-clip", "sd-wgan"]}
ARGS = dict(seeds=2, steps=6, eval_n=300)


class Killed(BaseException):
    """A shard's process killed right after a checkpoint (not an Exception: nothing on the
    way up catches it, as nothing would run after a SIGKILL)."""


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "a"
    return run_sweep(BASE, GRID, workers=1, out=out, **ARGS), out


def test_plan_batches_what_it_can_and_runs_the_rest_plainly():
    plan = make_plan(BASE, GRID, workers=1, **ARGS)
    kinds = [(s["kind"], len(s["members"])) for s in plan["shards"]]
    assert kinds == [("ensemble", 2), ("run", 1), ("run", 1)]
    methods = [plan["members"][i]["config"]["method"] for i in plan["shards"][0]["members"]]
    assert methods == ["wgan-clip", "wgan-clip"]
    # evenly over workers, or in shards of at most --shard-size members
    assert len(make_plan(BASE, GRID, workers=2, **ARGS)["shards"]) == 4
    assert len(make_plan(dict(BASE, method="wgan-clip"), {"clip": [0.01, 0.02, 0.03]}, seeds=2,
                         steps=6, shard_size=4)["shards"]) == 2


def test_killed_shards_continue_to_the_uninterrupted_results(tmp_path, monkeypatch,
                                                             uninterrupted):
    """The array runs through submitit's debug executor; the ensemble shard and a plain run
    are killed after their first checkpoint; re-submitting the unfinished shards completes the
    sweep with the uninterrupted sweep's results, bit for bit."""
    ref, _ = uninterrupted
    folder = SweepFolder.prepare(tmp_path / "b", make_plan(BASE, GRID, workers=1, **ARGS))
    write_ckpt, save_run = SweepFolder.write_checkpoint, RunDir.save_checkpoint

    def kill_after_ensemble_checkpoint(self, shard, data):
        write_ckpt(self, shard, data)
        raise Killed()

    def kill_after_run_checkpoint(self, state):
        save_run(self, state)
        raise Killed()

    monkeypatch.setattr(SweepFolder, "write_checkpoint", kill_after_ensemble_checkpoint)
    monkeypatch.setattr(RunDir, "save_checkpoint", kill_after_run_checkpoint)
    jobs = submit_array(folder, [0, 1], {}, cluster="debug")
    for job in jobs:
        with pytest.raises(Killed):
            job.result()
    monkeypatch.undo()
    assert folder.done() == set() and folder.checkpoint_path(0).is_file()
    part = collect(folder.path)
    assert part["members"] == [] and part["missing"] == [0, 1, 2]
    # shard 2 alone: a partial merge lists the missing shards
    submit_array(folder, [2], {}, cluster="debug")[0].result()
    part = collect(folder.path)
    assert part["missing"] == [0, 1] and len(part["members"]) == 1
    # the same sweep again: the finished shard is kept, the killed ones continue
    res = run_sweep(BASE, GRID, workers=1, out=folder.path, **ARGS)
    assert res["missing"] == [] and not folder.checkpoint_path(0).exists()
    keys = ("point", "seed", "w1", "samples", "kind")
    assert [{k: m[k] for k in keys} for m in res["members"]] == \
        [{k: m[k] for k in keys} for m in ref["members"]]


def test_merged_table_matches_single_runs(uninterrupted):
    """Each member's W1 is its single run's (otgan.train, same config): equal for the plain
    runs, up to the batched products' rounding for the ensemble's members."""
    ref, out = uninterrupted
    plan = SweepFolder.open(out).plan()
    single = {}
    for m in plan["members"]:
        run = api.train(from_dict(m["config"]))
        w1 = next(r for r in reversed(run.history) if r.get("eval"))["w1"]
        single.setdefault(m["point"]["method"], []).append(w1)
    for row in summarize(ref):
        w = single[row["point"]["method"]]
        mean = sum(w) / len(w)
        if row["point"]["method"] == "sd-wgan":
            assert row["stats"]["w1"][0] == mean
        else:
            assert row["stats"]["w1"][0] == pytest.approx(mean, rel=1e-5)
        assert row["n"] == 2
    assert (out / "table.md").read_text().count("\n") == 4  # head, rule, two rows


@pytest.mark.slow
def test_local_executor_runs_the_array_in_processes(tmp_path, uninterrupted):
    """submitit's local executor: each task a new Python process, as on a cluster's nodes."""
    ref, _ = uninterrupted
    folder = SweepFolder.prepare(tmp_path / "c", make_plan(BASE, GRID, workers=1, **ARGS))
    for job in submit_array(folder, [0, 1, 2], {"time": "10"}, cluster="local"):
        job.result()
    res = collect(folder.path)
    assert [m["w1"] for m in res["members"]] == [m["w1"] for m in ref["members"]]
