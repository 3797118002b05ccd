"""`otgan sweep`: --dry-run, a re-run that trains nothing, another sweep refused in the same
folder, a sweep grown in place by more seeds or grid values, `otgan sweep collect`,
--overwrite."""

import json

import pytest

from otgan.cli import main

SWEEP = ["sweep", "--method", "wgan-clip", "--grid", "clip=0.01,0.05", "--steps", "3",
         "--set", "n_train=500", "--set", "n_test=300", "--set", "eval_n=300", "--workers", "1",
         "--no-progress"]


def run(args, capsys):
    with pytest.raises(SystemExit) as e:
        main(args)
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_dry_run_prints_shards_and_writes_nothing(tmp_path, capsys):
    code, out, _ = run(SWEEP + ["--seeds", "3", "--shard-size", "4", "--dry-run", "--out",
                                str(tmp_path / "s")], capsys)
    assert code == 0 and not (tmp_path / "s").exists()
    lines = out.strip().splitlines()
    assert lines[0] == "6 runs of 3 steps in 2 shards"
    # members dealt in turn (every shard gets every grid point's seeds in turn)
    assert lines[1] == ("shard 0: batched ensemble of 3 (wgan-clip on ring): clip=0.01 seed=0; "
                        "clip=0.01 seed=2; clip=0.05 seed=1")
    assert lines[2].startswith("shard 1: batched ensemble of 3")


def test_rerun_skips_done_shards_and_another_sweep_is_refused(tmp_path, capsys):
    out = tmp_path / "s"
    code, text, _ = run(SWEEP + ["--out", str(out)], capsys)
    assert code == 0 and "all 2 runs done" in text
    first = json.loads((out / "shards" / "0000.json").read_text())
    code, text, _ = run(SWEEP + ["--out", str(out)], capsys)
    assert code == 0 and "1 of 1 shards already done" in text
    assert json.loads((out / "shards" / "0000.json").read_text()) == first  # not retrained
    code, _, err = run(SWEEP[:4] + ["clip=0.02"] + SWEEP[5:] + ["--out", str(out)], capsys)
    assert code == 2 and "holds another sweep" in err and len(err.strip().splitlines()) == 1
    code, text, _ = run(["sweep", "collect", str(out)], capsys)
    assert code == 0 and text.count("\n") == 5 and "all 2 runs done" in text
    (out / "shards" / "0000.json").unlink()
    code, text, _ = run(["sweep", "collect", str(out)], capsys)
    assert code == 0 and "0 of 2 runs done; shards missing (1): 0" in text
    # --overwrite removes the sweep's own files only: a file of the user's is named, and
    # nothing is removed, as in a run folder
    (out / "notes.txt").write_text("mine")
    other = SWEEP[:4] + ["clip=0.02"] + SWEEP[5:] + ["--out", str(out), "--overwrite"]
    code, _, err = run(other, capsys)
    assert code == 2 and "also holds notes.txt" in err and len(err.strip().splitlines()) == 1
    assert (out / "notes.txt").read_text() == "mine" and (out / "plan.json").is_file()
    (out / "notes.txt").unlink()
    code, text, _ = run(other, capsys)
    assert code == 0 and "all 1 runs done" in text


def test_metrics_that_do_not_apply_are_refused_when_planning(tmp_path, capsys):
    """A member's metrics are checked as its own run checks them, before any shard trains: the
    ring has no mixture modes, for batched members and plain runs alike (sd-wgan)."""
    for method in ("wgan-gp", "sd-wgan"):
        code, out, err = run(["sweep", "--method", method, "--grid", "lr=1e-4,1e-3",
                              "--set", "metrics=w1,modes", "--steps", "3", "--out",
                              str(tmp_path / method)], capsys)
        assert code == 2 and err.strip() == (
            "otgan: error: metric 'modes' does not apply to this run's data (it applies to: "
            + ("w1, w2, sliced, energy, critic, lipschitz, partition" if method == "sd-wgan"
               else "w1, w2, sliced, energy, critic, lipschitz") + ")"), err
        assert not (tmp_path / method).exists()  # refused before the folder is made
    code, out, _ = run(["sweep", "--method", "sd-wgan", "--grid", "lr=1e-4,1e-3", "--set",
                        "metrics=w1,partition", "--steps", "3", "--dry-run"], capsys)
    assert code == 0 and out.startswith("2 runs of 3 steps in 2 shards")


def test_more_seeds_or_grid_values_grow_the_sweep_in_place(tmp_path, capsys):
    out = tmp_path / "s"
    code, _, _ = run(SWEEP + ["--out", str(out)], capsys)
    assert code == 0
    first = json.loads((out / "shards" / "0000.json").read_text())
    more = SWEEP[:4] + ["clip=0.01,0.05,0.02"] + SWEEP[5:] + ["--seeds", "2", "--out", str(out)]
    code, text, err = run(more, capsys)
    assert code == 0 and "grows from 2 to 6 runs" in err and "all 6 runs done" in text
    plan = json.loads((out / "plan.json").read_text())
    # the first sweep's members keep their indices and its shard: its result stands untrained
    assert [(m["point"]["clip"], m["seed"]) for m in plan["members"][:2]] == \
        [(0.01, 0), (0.05, 0)]
    assert plan["shards"][0]["members"] == [0, 1] and plan["seeds"] == 2
    assert json.loads((out / "shards" / "0000.json").read_text()) == first
    assert sorted((m["point"]["clip"], m["seed"]) for m in plan["members"]) == \
        [(c, s) for c in (0.01, 0.02, 0.05) for s in (0, 1)]
    code, text, err = run(more, capsys)  # the same command again: nothing to train
    assert code == 0 and "grows" not in err and "already done" in text
    # a command that leaves out a run the folder holds is another sweep
    code, _, err = run(SWEEP + ["--out", str(out)], capsys)
    assert code == 2 and "holds another sweep" in err and len(err.strip().splitlines()) == 1
