"""A run's inputs are part of its identity: recorded in config.json (hash and size of every
file, a built-in set's name, seed and data version), checked on resume and evaluation,
accepted only when asked (and then recorded); a sweep's plan records its inputs too."""

import hashlib
import json

import numpy as np
import pytest

from otgan._version import DATA_VERSION
from otgan.cli import main
from otgan.errors import RunFolderError

STEPS = ["--steps", "10", "--checkpoint-every", "10", "--eval-every", "0", "--eval-n", "100",
         "--metrics", "w1", "--no-tensorboard", "--no-progress"]


def cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def run_on_files(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "x.npy", rng.normal(size=(600, 2)).astype(np.float32))
    np.savetxt(tmp_path / "w.csv", rng.uniform(0.5, 1.5, 600), delimiter=",")
    (tmp_path / "c.toml").write_text("lr_g = 2e-4\n")
    code, _, err = cli(["train", "--data", tmp_path / "x.npy", "--data-weights",
                        tmp_path / "w.csv", "--config", tmp_path / "c.toml", *STEPS, "--out",
                        tmp_path / "run"], capsys)
    assert code == 0, err
    return tmp_path


def test_config_json_records_every_input_file(run_on_files):
    d = run_on_files
    inputs = json.loads((d / "run" / "config.json").read_text())["inputs"]
    for key, name in (("data", "x.npy"), ("data_weights", "w.csv"), ("config_file", "c.toml")):
        assert inputs[key] == {"path": str(d / name), "sha256": sha(d / name),
                               "size": (d / name).stat().st_size}, key


def test_a_built_in_set_is_identified_by_name_seed_and_data_version(tmp_path, capsys):
    code, _, err = cli(["train", "--data", "moons", "--data-seed", "3", *STEPS, "--out",
                        tmp_path / "run"], capsys)
    assert code == 0, err
    inputs = json.loads((tmp_path / "run" / "config.json").read_text())["inputs"]
    assert inputs == {"data": {"name": "moons", "seed": 3, "data_version": DATA_VERSION}}


def test_a_changed_built_in_data_version_is_refused_on_resume(tmp_path, capsys, monkeypatch):
    code, _, err = cli(["train", "--data", "ring", *STEPS, "--out", tmp_path / "run"], capsys)
    assert code == 0, err
    monkeypatch.setattr("otgan.training.inputs.DATA_VERSION", DATA_VERSION + 1)
    code, _, err = cli(["train", "--resume", tmp_path / "run", "--steps", "12"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert (f"the built-in data set ring changed since (otgan's data version "
            f"{DATA_VERSION + 1}, the run used {DATA_VERSION})") in err


def test_changed_data_is_accepted_only_when_asked_and_then_recorded(run_on_files, capsys):
    d = run_on_files
    x = np.load(d / "x.npy")
    x[0, 0] += 1.0
    np.save(d / "x.npy", x)
    code, _, err = cli(["train", "--resume", d / "run", "--steps", "12"], capsys)
    assert code == 2 and f"the data file {d / 'x.npy'} changed since the run read it" in err
    assert "--accept-changed-inputs" in err
    code, _, err = cli(["eval", d / "run", "--n", "100", "--metrics", "w1"], capsys)
    assert code == 2 and "to evaluate on the new contents" in err
    assert not (d / "run" / "eval.json").exists()

    code, _, err = cli(["eval", d / "run", "--n", "100", "--metrics", "w1",
                        "--accept-changed-inputs"], capsys)
    assert code == 0, err
    changed = json.loads((d / "run" / "eval.json").read_text())["changed_inputs"]
    assert [c["input"] for c in changed] == ["data"]
    assert changed[0]["now"]["sha256"] == sha(d / "x.npy")

    was = json.loads((d / "run" / "config.json").read_text())["inputs"]["data"]
    code, _, err = cli(["train", "--resume", d / "run", "--steps", "12",
                        "--accept-changed-inputs"], capsys)
    assert code == 0, err
    record = json.loads((d / "run" / "config.json").read_text())
    assert record["resumed"][-1]["changed_inputs"] == [
        {"input": "data", "was": was, "now": record["inputs"]["data"]}]
    assert record["inputs"]["data"]["sha256"] == sha(d / "x.npy")
    # the run now reads the new contents: a later resume needs no option
    code, _, err = cli(["train", "--resume", d / "run", "--steps", "14"], capsys)
    assert code == 0, err
    resumed = json.loads((d / "run" / "config.json").read_text())["resumed"]
    assert len(resumed) == 2 and "changed_inputs" not in resumed[1]


def test_accepting_changed_inputs_goes_with_resume(tmp_path, capsys):
    code, _, err = cli(["train", "--data", "ring", "--accept-changed-inputs", "--out",
                        tmp_path / "r"], capsys)
    assert code == 2 and "--accept-changed-inputs goes with --resume" in err
    assert not (tmp_path / "r").exists()


def test_the_api_refuses_and_accepts_alike(run_on_files):
    import otgan

    d = run_on_files
    np.savetxt(d / "w.csv", np.ones(600), delimiter=",")
    run = otgan.load_run(d / "run")  # sampling reads no data: no check
    assert run.sample(3).shape == (3, 2)
    with pytest.raises(RunFolderError, match=r"the data weights file .*w.csv changed since"):
        run.evaluate(["w1"], n=100)
    with pytest.raises(RunFolderError, match="w.csv changed since"):
        otgan.resume(d / "run", {"steps": 12})
    run = otgan.load_run(d / "run", accept_changed_inputs=True)
    run.evaluate(["w1"], n=100)
    assert [c["input"] for c in run.changed_inputs] == ["data_weights"]
    otgan.resume(d / "run", {"steps": 12}, accept_changed_inputs=True)


def test_a_sweep_over_a_changed_file_is_refused(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.random.default_rng(0).normal(size=(600, 2)))
    args = ["sweep", "--data", tmp_path / "x.npy", "--method", "wgan-clip", "--grid",
            "clip=0.01,0.02", "--steps", "2", "--set", "eval_n=100", "--set", "metrics=w1",
            "--workers", "1", "--no-progress", "--out", tmp_path / "s"]
    code, _, err = cli(args, capsys)
    assert code == 0, err
    plan = json.loads((tmp_path / "s" / "plan.json").read_text())
    assert plan["inputs"] == {str(tmp_path / "x.npy"): {"sha256": sha(tmp_path / "x.npy"),
                                                        "size": (tmp_path / "x.npy").stat().st_size}}
    np.save(tmp_path / "x.npy", np.random.default_rng(1).normal(size=(600, 2)))
    code, _, err = cli(args, capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"holds another sweep ({tmp_path / 'x.npy'} changed since the sweep started" in err
