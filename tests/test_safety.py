"""Nothing lost: otgan deletes and overwrites only what it wrote, one process trains in a folder,
the checkpoint is the truth, and every refusal is one line with every file left as it was."""

import contextlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap

import pytest
import torch

import otgan
from otgan.cli import main
from otgan.errors import RunFolderError
from otgan.rundir import CHECKPOINT, LOCK, MARKER, PREVIOUS, RunDir
from tests.conftest import quick_config


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("safety") / "ring"
    otgan.train(quick_config(steps=30, eval_every=10, checkpoint_every=10), out=out)
    return out


@pytest.fixture
def copy(run_dir, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(run_dir, dst)
    return dst


def snapshot(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def cli_fails(args, capsys, needle):
    """The command exits 2 with one line holding ``needle``."""
    with pytest.raises(SystemExit) as e:
        main(args)
    err = capsys.readouterr().err.strip()
    assert e.value.code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert needle in err, err
    return err


def test_a_run_folder_carries_the_marker_and_the_lock_file(run_dir):
    assert (run_dir / MARKER).is_file() and (run_dir / LOCK).is_file()
    assert RunDir(run_dir).foreign_files() == []


def test_overwrite_refuses_a_folder_that_only_looks_like_a_run(tmp_path, capsys):
    p = tmp_path / "p"
    (p / "src").mkdir(parents=True)
    (p / "thesis.tex").write_text("precious")
    (p / "config.json").write_text('{"name": "app"}')
    before = snapshot(p)
    cli_fails(["train", "--data", "ring", "--steps", "2", "--out", str(p), "--overwrite"], capsys,
              "is not an otgan run")
    assert snapshot(p) == before


def test_overwrite_names_a_users_file_in_a_run_folder_and_deletes_nothing(copy, capsys):
    (copy / "NOTES.md").write_text("my notes")
    (copy / "snapshots" / "mine.txt").write_text("mine")
    before = snapshot(copy)
    err = cli_fails(["train", "--data", "ring", "--steps", "2", "--out", str(copy),
                     "--overwrite"], capsys, "NOTES.md")
    assert "mine.txt" in err
    assert snapshot(copy) == before


def test_overwrite_replaces_a_run_in_place_from_inside_it(copy, monkeypatch):
    monkeypatch.chdir(copy)
    otgan.train(quick_config(steps=4), out=".", overwrite=True)
    cfg = json.loads((copy / "config.json").read_text())["config"]
    assert cfg["steps"] == 4 and RunDir(copy).foreign_files() == []
    assert [p.name for p in copy.glob("snapshots/step_*.npz")] == ["step_00000004.npz"]


def test_a_second_process_is_refused_while_one_trains(copy):
    holder = RunDir(copy)
    holder.lock()
    try:
        with pytest.raises(RunFolderError, match=f"pid {os.getpid()}"):
            otgan.train(quick_config(steps=2), out=copy, overwrite=True)
        with pytest.raises(RunFolderError, match="another otgan process"):
            otgan.resume(copy, {"steps": 40})
    finally:
        holder.unlock()
    assert (copy / "config.json").is_file() and (copy / CHECKPOINT).is_file()


def test_a_lock_held_by_a_killed_process_is_not_stale(copy):
    code = textwrap.dedent(f"""
        import sys, time
        from otgan.rundir import RunDir
        RunDir({str(copy)!r}).lock()
        print("locked", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(RunFolderError, match=f"pid {proc.pid}"):
            RunDir(copy).lock()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    d = RunDir(copy)
    d.lock()  # the kernel released the killed holder's lock
    d.unlock()


@pytest.mark.parametrize("key, value, shown", [("data", "moons", "'moons'"),
                                               ("g_hidden", "8", "[8]"),
                                               ("method", "sngan", "'sngan'")])
def test_a_hand_edited_config_is_refused_not_followed(copy, capsys, key, value, shown):
    record = json.loads((copy / "config.json").read_text())
    record["config"][key] = value
    (copy / "config.json").write_text(json.dumps(record))
    before = snapshot(copy)
    for args in (["train", "--resume", str(copy), "--steps", "40"],
                 ["sample", str(copy), "--n", "5", "--out", str(copy.parent / "x.npy")]):
        cli_fails(args, capsys, f"config.json says {key} = {shown} but the checkpoint")
    assert snapshot(copy) == before


def test_weights_that_do_not_fit_are_one_line(copy):
    state = torch.load(copy / CHECKPOINT, weights_only=True)
    state["state"]["generator"] = {"w": torch.zeros(3)}
    torch.save(state, copy / CHECKPOINT)
    (copy / PREVIOUS).unlink()
    with pytest.raises(RunFolderError, match="does not fit these networks"):
        otgan.load_run(copy)


def test_nan_weights_are_refused_with_the_file_named(copy):
    for name in (CHECKPOINT, PREVIOUS):
        state = torch.load(copy / name, weights_only=True)
        first = next(iter(state["state"]["generator"]))
        state["state"]["generator"][first].view(-1)[0] = float("nan")
        torch.save(state, copy / name)
    with pytest.raises(RunFolderError, match=r"checkpoint.pt: holds NaN or infinite weights "
                                             r"\(generator\."):
        otgan.load_run(copy)


def test_a_truncated_checkpoint_falls_back_to_the_previous_saying_so(copy, capsys):
    data = (copy / CHECKPOINT).read_bytes()
    (copy / CHECKPOINT).write_bytes(data[: len(data) // 2])
    state = RunDir(copy).load_checkpoint()
    assert state["state"]["step"] == 20
    err = capsys.readouterr().err
    assert "truncated or corrupt" in err and "checkpoint.prev.pt (step 20)" in err


def test_random_bytes_are_not_a_checkpoint_in_plain_words(tmp_path):
    """torch.load's error on random bytes varies with the bytes (9% once differed): 300 draws."""
    rng = random.Random(0)
    for n in [0, 1, 3] + [4096] * 300:
        (tmp_path / CHECKPOINT).write_bytes(rng.randbytes(n))
        with pytest.raises(RunFolderError) as e:
            RunDir(tmp_path).load_checkpoint()
        assert "corrupt, or another kind of file" in str(e.value), n
        assert "PyTorch 2.6" not in str(e.value)


def test_every_evaluation_up_to_a_checkpoint_is_logged_before_it(tmp_path, monkeypatch):
    """What a SIGKILL right after a checkpoint leaves: every record up to its step."""
    seen = {}
    save = RunDir.save_checkpoint

    def spy(self, state):
        step = torch.load(io.BytesIO(state), weights_only=True)["state"]["step"]
        seen[step] = [r["step"] for r in self.read_metrics() if r.get("eval")]
        return save(self, state)

    monkeypatch.setattr(RunDir, "save_checkpoint", spy)
    otgan.train(quick_config(steps=40, eval_every=10, checkpoint_every=10, metrics="w1"),
                out=tmp_path / "r")
    assert seen[10] == [10] and seen[20] == [10, 20] and seen[30] == [10, 20, 30]


def test_commands_do_not_write_over_a_runs_files_or_a_users(run_dir, tmp_path, capsys):
    before = snapshot(run_dir)
    cli_fails(["compare", str(run_dir), "--out", str(run_dir / "config.json"), "--overwrite"],
              capsys, "belongs to the otgan run")
    cli_fails(["sweep", "--grid", "lr=1e-3", "--steps", "2", "--out", str(run_dir)], capsys,
              "is an otgan run folder")
    cli_fails(["sample", str(run_dir), "--n", "3", "--out", str(run_dir / "eval.json")], capsys,
              "must end in .npy")
    mine = tmp_path / "mine.npy"
    mine.write_bytes(b"precious")
    cli_fails(["sample", str(run_dir), "--n", "3", "--out", str(mine)], capsys,
              "exists; pass --overwrite")
    page = tmp_path / "compare.html"
    page.write_text("mine")
    cli_fails(["compare", str(run_dir), "--out", str(page)], capsys, "exists; pass --overwrite")
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "table.md").write_text("mine")
    cli_fails(["sweep", "--grid", "lr=1e-3", "--steps", "2", "--out", str(tmp_path / "s")],
              capsys, "folder is not empty and is not an otgan sweep")
    (tmp_path / "s" / "solution.json").write_text("mine")
    cli_fails(["solve", "--targets", "ring", "--n-targets", "4", "--steps", "2", "--out",
               str(tmp_path / "s")], capsys, "solution.json: exists")
    assert mine.read_bytes() == b"precious" and page.read_text() == "mine"
    assert (tmp_path / "s" / "table.md").read_text() == "mine"
    assert (tmp_path / "s" / "solution.json").read_text() == "mine"
    assert snapshot(run_dir) == before


@pytest.mark.parametrize("args, needle", [
    (["train", "--threads", "100000"], "threads must be between 0 and 1024"),
    (["train", "--n-test", "1"], "n_test must be between 100"),
    (["train", "--n-train", "10000000000"], "n_train must be between 1"),
    (["train", "--seed", "100000000000000000000000"], "seed must be between 0"),
    (["sweep", "--grid", "lr=1e-3", "--workers", "0"], "--workers must be >= 1"),
    (["solve", "--targets", "ring", "--n-targets", "100000000"], "GiB of memory"),
    (["solve", "--targets", "ring", "--gamma", "nan"], "--gamma must be a finite number > 0"),
])
def test_bad_numbers_are_one_line_before_anything_is_written(args, needle, tmp_path, capsys):
    out = tmp_path / "out"
    cli_fails(args + ["--out", str(out)], capsys, needle)
    assert not out.exists()


def test_run_commands_refuse_degenerate_requests(run_dir, tmp_path, capsys):
    before = snapshot(run_dir)
    cli_fails(["eval", str(run_dir), "--metrics", ""], capsys, "name at least one metric")
    cli_fails(["eval", str(run_dir), "--n", "1"], capsys, "--n must be >= 100")
    cli_fails(["sample", str(run_dir), "--n", "100000000000", "--out", str(tmp_path / "x.npy")],
              capsys, "GiB of memory")
    assert snapshot(run_dir) == before


def test_a_report_skips_lines_that_are_not_metrics_records(copy, capsys):
    with open(copy / "metrics.jsonl", "a") as f:
        f.write('[1, 2]\n"x"\n{"step": "abc"}\n{"step": 5, "eval": true, "w1": "zz"}\n')
    with pytest.raises(SystemExit) as e:
        main(["report", str(copy)])
    assert e.value.code == 0
    assert "skipped 3 line(s)" in capsys.readouterr().err
    assert all(not isinstance(r.get("w1"), str) for r in RunDir(copy).read_metrics())


def test_a_run_written_before_the_marker_can_still_be_replaced(copy):
    (copy / MARKER).unlink()
    otgan.train(quick_config(steps=3), out=copy, overwrite=True)
    assert (copy / MARKER).is_file()
    assert json.loads((copy / "config.json").read_text())["config"]["steps"] == 3


def test_a_data_cache_that_is_a_file_is_one_line(tmp_path, monkeypatch, capsys):
    f = tmp_path / "afile"
    f.write_text("mine")
    monkeypatch.setenv("OTGAN_DATA", str(f))
    cli_fails(["data", "fetch", "mnist"], capsys, "the data cache must be a folder")
    assert f.read_text() == "mine"


@pytest.mark.parametrize("array, needle", [
    (lambda rng: rng.normal(size=(100, 2)) * 1e30, "rescale the data first"),
    (lambda rng: rng.normal(size=(100, 2)) * 1e300, "rescale the data first"),
    (lambda rng: rng.normal(size=(100, 2)) + 1j, "complex numbers"),
])
def test_data_that_cannot_be_trained_on_is_refused(array, needle, tmp_path, capsys):
    import numpy as np

    f = tmp_path / "x.npy"
    np.save(f, array(np.random.default_rng(0)))
    cli_fails(["train", "--data", str(f), "--steps", "2", "--out", str(tmp_path / "r")], capsys,
              needle)


@pytest.mark.parametrize("args,sig,code", [
    (["solve", "--targets", "ring", "--n-targets", "500", "--steps", "100000000"],
     signal.SIGTERM, 143),
    (["sweep", "--grid", "lr=1e-4,2e-4", "--seeds", "2", "--steps", "10000000"],
     signal.SIGINT, 130)])
def test_signals_stop_solve_and_sweep_with_their_workers(tmp_path, args, sig, code):
    """Ctrl-C reaches the whole process group (sweep workers included), SIGTERM the command
    alone: either way every process ends, with one line and no traceback."""
    import time

    err_file = tmp_path / "err"
    with open(err_file, "w") as err:
        # SIGINT as a terminal leaves it: a shell's background job (`make test &`) ignores it,
        # the child would inherit that, and Python then never raises KeyboardInterrupt
        p = subprocess.Popen([sys.executable, "-m", "otgan", *args, "--progress", "--out",
                              str(tmp_path / "out")], stderr=err, start_new_session=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while "it/s" not in err_file.read_text() and time.time() < deadline:  # working
        time.sleep(0.2)
    if sig == signal.SIGINT:
        os.killpg(p.pid, sig)
    else:
        p.send_signal(sig)
    p.wait(timeout=60)
    text = err_file.read_text()
    last = text.replace("\r", "\n").strip().splitlines()[-1]
    assert p.returncode == code and last.startswith("otgan: ") and "Traceback" not in text
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-s", str(p.pid)], capture_output=True, text=True).stdout
    assert left == "", "processes of the command still running: " + left
    out = tmp_path / "out"  # nothing, or a sweep folder that the same command continues
    assert not out.exists() or not any(out.iterdir()) or (out / ".otgan-sweep").is_file()


@pytest.fixture
def tmpfs(tmp_path):
    """A small disk of its own (tmpfs), for read-only and full-disk cases: root only."""
    mounted = []

    def mount(size: str):
        where = tmp_path / f"disk{len(mounted)}"
        where.mkdir()
        if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}",
                                                "tmpfs", str(where)],
                                               capture_output=True).returncode != 0:
            pytest.skip("needs root and mount (a tmpfs) to make a read-only or full disk")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_a_read_only_disk_is_one_line(tmpfs, capsys):
    disk = tmpfs("100m")
    run = disk / "run"
    otgan.train(quick_config(steps=5), out=run)
    before = snapshot(run)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    for args in (["eval", str(run)], ["report", str(run)],
                 ["train", "--resume", str(run), "--steps", "10"],
                 ["compare", str(run), "--out", str(disk / "c.html")],
                 ["solve", "--targets", "ring", "--steps", "10", "--out", str(disk / "s")],
                 ["sample", str(run), "--n", "5", "--out", str(disk / "x.npy")]):
        cli_fails(args, capsys, "Read-only file system")
    assert snapshot(run) == before


FILL_RUN = textwrap.dedent("""
    import sys
    from otgan.cli import main
    main(["train", "--data", "ring", "--steps", "100000", "--eval-every", "100",
          "--no-progress", "--out", sys.argv[1]])
""")


def test_a_disk_that_fills_during_training_is_one_line(tmpfs):
    """TensorBoard's writer thread, metrics.jsonl and the checkpoint all meet the full disk:
    one line, exit 2, no traceback from any thread."""
    import time

    disk = tmpfs("80m")
    run = disk / "run"
    p = subprocess.Popen([sys.executable, "-c", FILL_RUN, str(run)], stderr=subprocess.PIPE,
                         text=True)
    deadline = time.time() + 120
    while not (run / "metrics.jsonl").exists() and time.time() < deadline:
        time.sleep(0.2)
    free = shutil.disk_usage(disk).free
    with open(disk / "filler", "wb") as f:  # fill the disk to the last byte
        with contextlib.suppress(OSError):
            f.write(b"\0" * free)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 2 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("otgan: error: cannot write to")
    assert "No space left on device" in err


def test_a_checkpoint_that_is_a_folder_is_set_aside_on_resume(copy, capsys, monkeypatch):
    """Resuming: one line (set aside, the previous checkpoint used) besides the start line, the
    folder kept whole; a write failing later names the checkpoint really last written."""
    import errno

    (copy / CHECKPOINT).unlink()
    (copy / CHECKPOINT).mkdir()
    (copy / CHECKPOINT / "mine.txt").write_text("kept")

    def full(self, state):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(RunDir, "save_checkpoint", full)
    with pytest.raises(SystemExit) as e:
        main(["train", "--resume", str(copy), "--steps", "40", "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 2 and len(err) == 3, err
    assert err[0] == (f"otgan: {copy / CHECKPOINT}: is not a file; set aside as "
                      f"{CHECKPOINT}.damaged; using {PREVIOUS} (step 20)")
    assert err[1].startswith("otgan: resuming from step 20 to 40")
    assert err[2].endswith(f"last good checkpoint: {copy / PREVIOUS} (step 20)")
    assert (copy / f"{CHECKPOINT}.damaged" / "mine.txt").read_text() == "kept"


def test_a_sweep_plan_of_an_empty_object_is_set_aside_and_written_again(tmp_path, capsys):
    args = ["sweep", "--method", "wgan-clip", "--grid", "clip=0.01,0.02", "--steps", "2",
            "--set", "eval_n=100", "--set", "metrics=w1", "--workers", "1", "--no-progress",
            "--out", str(tmp_path / "s")]
    with pytest.raises(SystemExit):
        main(args)
    result = (tmp_path / "s" / "shards" / "0000.json").read_bytes()
    (tmp_path / "s" / "plan.json").write_text("{}")
    cli_fails(["sweep", "collect", str(tmp_path / "s")], capsys, "plan.json: not an otgan "
                                                                 "sweep plan (no format number)")
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main(args)
    out = capsys.readouterr()
    assert e.value.code == 0 and "1 of 1 shards already done" in out.out  # not retrained
    assert out.err.strip() == (f"otgan: {tmp_path / 's' / 'plan.json'}: not an otgan sweep plan "
                               f"(no format number); set aside as plan.json.damaged; plan.json "
                               f"written again from this command")
    assert (tmp_path / "s" / "plan.json.damaged").read_text() == "{}"
    assert (tmp_path / "s" / "shards" / "0000.json").read_bytes() == result
