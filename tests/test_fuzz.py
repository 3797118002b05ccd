"""Fuzzing the ``otgan`` command's robustness promises (cli.py's docstring, tests/test_safety.py):
bad input is refused with exit code 2 and exactly one line naming the problem, never a
traceback, and every file that existed before the command is byte for byte as it was.

Each category feeds hostile input to the real command (``otgan.cli.main``, in process, or a
fresh process where the input could exhaust memory): numeric options, config files, data files,
run folders (edited config.json, foreign, NaN and truncated checkpoints), output locations
(read-only, full) and a run folder locked by another process, sweep folders (every file
damaged), inputs edited between segments, and outputs closed early (real pipes: the command
stops as SIGTERM stops it, exit 141, with a checkpoint that --resume continues).  Values a command would accept are
never run with a real budget: the strategies are filtered by predicates that mirror config.py's
documented ranges, and every ``train`` gets a one-step budget in case one slips through.
"""

import contextlib
import io
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import traceback
import uuid
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import otgan
from otgan.cli import main
from otgan.config import COMMAND_OPTIONS, FIELDS
from otgan.rundir import CHECKPOINT, LOCK, PREVIOUS
from tests.conftest import quick_config

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def fuzz(n):
    """Few examples, no deadline: the whole file runs in well under a minute on two cores."""
    return settings(max_examples=n, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


# ----------------------------------------------------------------------------- helpers
def snapshot(folder) -> dict:
    """Every file under ``folder`` (relative path -> bytes; a symbolic link -> its target),
    without following links (a link loop is a case here)."""
    folder = Path(folder)
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            p = Path(root, name)
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_file():
                out[rel] = p.read_bytes()
    return out


def differences(before: dict, after: dict, new_ok: bool = False) -> list[str]:
    changed = [f"changed or removed: {k}" for k in before if after.get(k) != before[k]]
    added = [] if new_ok else [f"new: {k}" for k in after if k not in before]
    return sorted(changed + added)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def otgan_cli(args):
    """Run ``otgan ARGS`` in this process as the console script would: exit code, stdout,
    stderr.  Warnings print as they would in a terminal (not pytest's error filter); an
    exception that escapes ``main`` is printed as the traceback a user would see, exit 1."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning  # not into pytest's record of warnings
        try:
            main([str(a) for a in args])
        except SystemExit as e:
            code = 0 if e.code is None else e.code
        except Exception:
            traceback.print_exc(file=err)
            code = 1
    return code, out.getvalue(), err.getvalue()


def one_line(code, out, err, *needles, status=2):
    """The command exited ``status`` with one non-empty line holding every needle (a tuple
    of needles: any of them) and no traceback; returns the line."""
    text = out + err
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert "Traceback" not in text, text
    assert code == status, f"exit {code}, expected {status}: {text}"
    assert len(lines) == 1, f"expected one line, got {len(lines)}: {text}"
    for needle in needles:
        alternatives = (needle,) if isinstance(needle, str) else needle
        assert any(a in lines[0] for a in alternatives), f"{alternatives} not in: {lines[0]}"
    return lines[0]


def refuses(args, *needles, keep=()):
    """``otgan ARGS`` is refused (exit 2, one line with the needles) and leaves every file
    under the folders ``keep`` as it was, adding none."""
    before = [snapshot(k) for k in keep]
    line = one_line(*otgan_cli(args), *needles)
    for folder, b in zip(keep, before):
        assert differences(b, snapshot(folder)) == [], (line, folder)
    return line


#: a one-step budget for every `otgan train` here, in case a value is accepted after all
BUDGET = ["--steps", "1", "--eval-n", "100",
          "--eval-every", "0", "--eval-critic-steps", "0", "--metrics", "w1",
          "--no-tensorboard", "--no-eval-background", "--no-progress", "--device", "cpu"]


def budget_without(key):
    """BUDGET less the option for config field ``key`` (an option overrides the file)."""
    out, args = [], list(BUDGET)
    while args:
        a = args.pop(0)
        value = [args.pop(0)] if args and not args[0].startswith("--") else []
        if a[2:].replace("-", "_") != key:
            out += [a, *value]
    return out


def fresh(folder: Path) -> Path:
    """A path inside ``folder`` that does not exist yet."""
    return folder / f"out-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A module-wide folder holding a user's file that no command may touch."""
    d = tmp_path_factory.mktemp("fuzz")
    (d / "mine.txt").write_text("precious")
    return d


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """One real run (checkpoints at steps 10 and 20: checkpoint.prev.pt holds step 10)."""
    out = tmp_path_factory.mktemp("fuzzrun") / "ring"
    otgan.train(quick_config(steps=20, checkpoint_every=10, eval_n=300, metrics="w1",
                             eval_critic_steps=5, eval_background=False, tensorboard=False),
                out=out)
    assert (out / CHECKPOINT).is_file() and (out / PREVIOUS).is_file()
    return out


@contextlib.contextmanager
def run_copy(run_dir):
    """A throw-away copy of the run (and a folder beside it), for one hypothesis example."""
    with tempfile.TemporaryDirectory(dir=run_dir.parent.parent) as d:
        dst = Path(d) / "run"
        shutil.copytree(run_dir, dst)
        yield dst


@pytest.fixture
def copy(run_dir, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(run_dir, dst)
    return dst


def run_command(command, run, where):
    """sample / eval / resume of ``run``, writing only into ``where`` (sample's --out)."""
    return {"sample": ["sample", run, "--n", "5", "--out", where / "x.npy"],
            "eval": ["eval", run, "--n", "100", "--metrics", "w1"],
            "resume": ["train", "--resume", run, "--steps", "21"],
            "report": ["report", run],
            "compare": ["compare", run, "--out", where / "compare.html"]}[command]


# ============================================================================= 1. options
#: the widest hidden layer and the most layers config.py admits
MAX_WIDTH, MAX_LAYERS = 16384, 64
#: numeric options of `otgan train`: (kind, low, high, low open, high open), as config.py says
TRAIN_NUMBERS = {
    "--steps": ("int", 1, 2**40, False, False),
    "--batch-size": ("int", 1, 2**24, False, False),
    "--n-critic": ("int", 1, 10**6, False, False),
    "--seed": ("int", 0, 2**31 - 1, False, False),
    "--data-seed": ("int", 0, 2**31 - 1, False, False),
    "--threads": ("int", 0, 1024, False, False),
    "--n-train": ("int", 1, 10**8, False, False),
    "--n-test": ("int", 100, 10**8, False, False),
    "--eval-n": ("int", 2, 10**8, False, False),
    "--log-every": ("int", 1, 2**40, False, False),
    "--eval-every": ("int", 0, 2**40, False, False),
    "--checkpoint-every": ("int", 0, 2**40, False, False),
    "--eval-critic-steps": ("int", 0, 10**6, False, False),
    "--latent-dim": ("int", 0, MAX_WIDTH, False, False),
    "--lr-g": ("float", 0, 1e15, True, False),
    "--lr-d": ("float", 0, 1e15, True, False),
    "--gp-lambda": ("float", 0, 1e15, False, False),
    "--beta1": ("float", 0, 1, False, True),
    "--beta2": ("float", 0, 1, False, True),
    "--ema": ("float", 0, 1, False, True),
    "--test-fraction": ("float", 0, 1, True, True),
}


def as_number(kind, value):
    """The number config.coerce makes of ``value`` (a CLI string, or a JSON value), or None."""
    if isinstance(value, bool):
        return None
    try:
        if kind == "int":
            if isinstance(value, float):
                return int(value) if value.is_integer() else None
            return int(value.strip()) if isinstance(value, str) else (
                value if isinstance(value, int) else None)
        if not isinstance(value, (int, float, str)):
            return None
        v = float(value)
        return v if math.isfinite(v) else None
    except (ValueError, OverflowError):
        return None


def accepted(option, value) -> bool:
    """Whether config.py's documented range admits ``value`` for ``option``."""
    kind, lo, hi, lo_open, hi_open = TRAIN_NUMBERS[option]
    v = as_number(kind, value)
    if v is None:
        return False
    above = v > lo if lo_open else v >= lo
    below = hi is None or (v < hi if hi_open else v <= hi)
    return above and below


TRICKY = ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e30", "-1e30", "1e400", "1e-400",
          "0", "-0", "-1", "0.0", "1.5", "2.0", "1e3", "0x10", "0b1", "1,000", "1 000", "", " ",
          "\t", "--help", "-", "+", "1e", "e1", ".", "None", "true", "∞", "１２", "1" + "0" * 40,
          "-" + "9" * 25, "9" * 5000]

ARGUMENT_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


def values_for(option):
    return st.one_of(st.sampled_from(TRICKY), st.integers().map(str),
                     st.floats(allow_nan=True, allow_infinity=True).map(repr),
                     ARGUMENT_TEXT).filter(lambda s: not accepted(option, s))


@fuzz(300)
@given(data=st.data())
def test_bad_numbers_for_train_are_one_line_and_write_nothing(data, scratch):
    option = data.draw(st.sampled_from(sorted(TRAIN_NUMBERS)), label="option")
    value = data.draw(values_for(option), label="value")
    out = fresh(scratch)
    field = option[2:].replace("-", "_")
    refuses(["train", "--data", "ring", *BUDGET, "--out", out, option, value], field,
            keep=[scratch])
    assert not out.exists()


@fuzz(40)
@given(data=st.data())
def test_bad_widths_are_one_line(data, scratch):
    option = data.draw(st.sampled_from(["--g-hidden", "--d-hidden"]))
    parts = data.draw(st.one_of(
        st.lists(st.one_of(st.integers(max_value=0).map(str), st.integers(MAX_WIDTH + 1).map(str),
                           st.sampled_from(["x", "1.5", "nan", "1e3", "-"]),
                           st.integers(1, 64).map(str)), min_size=0, max_size=4),
        st.lists(st.just("1"), min_size=MAX_LAYERS + 1, max_size=MAX_LAYERS + 3)))
    value = data.draw(st.sampled_from([",", ";", " , "])).join(parts)
    widths = [p for p in value.replace(" ", "").split(",") if p]
    assume(not widths or len(widths) > MAX_LAYERS
           or any(as_number("int", p) is None or not 1 <= as_number("int", p) <= MAX_WIDTH
                  for p in widths))
    out = fresh(scratch)
    refuses(["train", "--data", "ring", *BUDGET, "--out", out, option, value],
            option[2:].replace("-", "_"), keep=[scratch])
    assert not out.exists()


@pytest.mark.parametrize("args, needle", [
    (["--batch", "3"], "--batch-size"),
    (["--stepz", "3"], "--steps"),
    (["--steps"], "--steps"),
    (["--overwrite=yes"], "--overwrite"),
])
def test_misspelled_or_incomplete_options_are_one_line(args, needle, scratch):
    out = fresh(scratch)
    refuses(["train", "--data", "ring", "--no-progress", "--out", out, *args], needle,
            keep=[scratch])
    assert not out.exists()


@fuzz(40)
@given(data=st.data())
def test_bad_counts_for_sample_and_eval_are_one_line(data, run_dir, scratch):
    command = data.draw(st.sampled_from(["sample", "eval"]))
    low = 1 if command == "sample" else 100
    value = data.draw(st.one_of(st.integers(max_value=low - 1).map(str), st.sampled_from(TRICKY),
                                ARGUMENT_TEXT).filter(
        lambda s: as_number("int", s) is None or as_number("int", s) < low))
    args = (["sample", run_dir, "--n", value, "--out", scratch / "x.npy"] if command == "sample"
            else ["eval", run_dir, "--n", value, "--metrics", "w1"])
    refuses(args, "--n", keep=[run_dir, scratch])
    assert not (scratch / "x.npy").exists()


@pytest.mark.parametrize("seed", [str(2**64), str(-(2**63) - 1), "1" + "0" * 30])
def test_a_sample_seed_out_of_range_is_one_line(seed, run_dir, scratch):
    refuses(["sample", run_dir, "--n", "3", "--seed", seed, "--out", scratch / "s.npy"],
            "seed", keep=[run_dir, scratch])


# ---------------------------------------------------------------- values that need memory
MEMORY_DRIVER = textwrap.dedent(r"""
    import json, os, resource, signal, sys, traceback
    import torch  # loaded before the memory limit, like everything otgan imports
    import otgan.api, otgan.cli, otgan.methods, otgan.training.fit  # noqa
    from otgan.cli import main

    cases = json.loads(sys.argv[1])
    with open("/proc/self/statm") as f:
        size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = size + 2 * 2**30  # what the process uses now and 2 GiB more
    results = {}
    for name, args in cases.items():
        path = os.path.join(sys.argv[2], name + ".log")
        sys.stdout.flush(); sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1); os.dup2(fd, 2)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            signal.alarm(60)
            code = 1
            try:
                main(args)
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            except BaseException:
                traceback.print_exc()
            sys.stdout.flush(); sys.stderr.flush()
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        with open(path, errors="replace") as f:
            results[name] = [os.waitstatus_to_exitcode(status), f.read()]
    print(json.dumps(results))
""")

TRAIN_RING = ["train", "--data", "ring", *BUDGET]
SOLVE_RING = ["solve", "--targets", "ring", "--n-targets", "10", "--steps", "5", "--n-eval",
              "100", "--no-progress"]
MEMORY_CASES = {  # name: (command, needle in the line); {huge}: the .npy below, --out added
    # the control: a plain bad width, refused by the same harness
    "control": ([*TRAIN_RING, "--g-hidden", "0"], "g_hidden"),
    "g_hidden": ([*TRAIN_RING, "--g-hidden", "99999999999"], ("g_hidden", "g-hidden")),
    "batch_size": ([*TRAIN_RING, "--batch-size", "100000000000"], ("batch_size", "batch-size")),
    "latent_dim": ([*TRAIN_RING, "--latent-dim", "100000000000"], ("latent_dim", "latent-dim")),
    "eval_n": ([*TRAIN_RING, "--eval-n", "100000000000"], ("eval_n", "eval-n")),
    # 64 layers of 16384: each width admitted, the generator alone ~64 GiB of weights (and
    # Adam's two moments and the critic as much again): no machine here holds it
    "widest_network": ([*TRAIN_RING, "--g-hidden", ",".join([str(MAX_WIDTH)] * MAX_LAYERS)],
                       ("g_hidden", "g-hidden", "GiB")),
    "npy_header": (["train", "--data", "{huge}", *BUDGET], "huge.npy"),
    "solve_batch": ([*SOLVE_RING, "--batch", "100000000000"], "--batch"),
    "solve_n_eval": ([*SOLVE_RING, "--n-eval", "100000000000000"], "--n-eval"),
}
#: memory the widest_network case needs at the least (a machine with more: skipped)
WIDEST_BYTES = 4 * MAX_WIDTH**2 * (MAX_LAYERS - 1) * 3


@pytest.fixture(scope="module")
def memory_results(tmp_path_factory):
    """Every MEMORY_CASES command, each in a process of its own under a memory limit (run in
    one fresh interpreter that forks per case, so torch is imported once)."""
    if not Path("/proc/self/statm").exists() or not hasattr(os, "fork"):
        pytest.skip("needs Linux (/proc, fork) to cap a command's memory")
    d = tmp_path_factory.mktemp("memory")
    huge = d / "huge.npy"  # a header declaring 2 x 10^12 float64 (16 TB), then 64 bytes
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False,
                                               "shape": (10**12, 2)})
    huge.write_bytes(buf.getvalue() + bytes(64))
    cases = {name: [str(huge) if a == "{huge}" else a for a in args] + ["--out", str(d / name)]
             for name, (args, _) in MEMORY_CASES.items()}
    p = subprocess.run([sys.executable, "-c", MEMORY_DRIVER, json.dumps(cases), str(d)],
                       capture_output=True, text=True, timeout=400, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-3000:]
    results = json.loads(p.stdout.strip().splitlines()[-1])
    return {name: (code, text, d / name) for name, (code, text) in results.items()}


@pytest.mark.parametrize("name", list(MEMORY_CASES))
def test_values_that_need_more_memory_than_there_is_are_one_line(name, memory_results):
    from otgan.runtime.memory import available_bytes

    if name == "widest_network" and (available_bytes() or 0) > WIDEST_BYTES:
        pytest.skip("this machine could hold the widest network")
    code, text, out = memory_results[name]
    one_line(code, "", text, MEMORY_CASES[name][1])
    assert not out.exists(), f"a refused run left {sorted(os.listdir(out))}"


# ============================================================================= 2. config files
def toml_parses(text: str) -> bool:
    try:
        tomllib.loads(text)
        return True
    except tomllib.TOMLDecodeError:
        return False


@fuzz(40)
@given(text=st.one_of(ARGUMENT_TEXT, st.text(st.characters(blacklist_categories=("Cs",)),
                                             max_size=80),
                      st.sampled_from(["steps = ", "[a\nb = 1", "x = [1,", "a = 'b", "= 3",
                                       "steps = 1\nsteps = 2", "[[x]]\n[x]", "a.b = 1\na = 2"])))
def test_malformed_toml_is_one_line(text, scratch):
    assume(not toml_parses(text))
    f = scratch / "bad.toml"
    f.write_text(text, encoding="utf-8")
    out = fresh(scratch)
    refuses(["train", "--config", f, *BUDGET, "--out", out], ("bad.toml",), "not valid TOML",
            keep=[scratch])
    assert not out.exists()


@fuzz(30)
@given(blob=st.binary(min_size=1, max_size=300), suffix=st.sampled_from([".toml", ".json"]))
def test_random_bytes_as_a_config_file_are_one_line(blob, suffix, scratch):
    text = blob.decode("utf-8", errors="replace")
    if suffix == ".toml":
        assume(not toml_parses(text))
    else:
        with contextlib.suppress(ValueError):
            json.loads(text)
            assume(False)
    f = scratch / f"blob{suffix}"
    f.write_bytes(blob)
    out = fresh(scratch)
    refuses(["train", "--config", f, *BUDGET, "--out", out], f"blob{suffix}", keep=[scratch])
    assert not out.exists()


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                         st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=6)
#: settings that are valid in any run here (the fuzzed entry is the only bad one)
GOOD = {"n_critic": 2, "lr_g": 1e-3, "activation": "tanh", "ema": 0.5, "log_every": 5}


@fuzz(30)
@given(value=JSON_VALUES.filter(lambda v: not isinstance(v, dict)))
def test_a_json_config_that_is_not_a_table_is_one_line(value, scratch):
    f = scratch / "top.json"
    f.write_text(json.dumps(value))
    out = fresh(scratch)
    refuses(["train", "--config", f, *BUDGET, "--out", out], "top.json",
            "expected a table", keep=[scratch])
    assert not out.exists()


@fuzz(120)
@given(data=st.data())
def test_a_json_config_with_one_bad_entry_is_one_line_naming_it(data, scratch):
    """One bad entry among good ones: an unknown key, or a numeric field with a value of the
    wrong type or out of range; the line names it, in whatever position it stands."""
    good = data.draw(st.dictionaries(st.sampled_from(sorted(GOOD)), st.just(None), max_size=3))
    good = {k: GOOD[k] for k in good}
    if data.draw(st.booleans(), label="unknown key"):
        key = data.draw(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
            lambda k: k.replace("-", "_") not in FIELDS and k not in COMMAND_OPTIONS),
            label="key")
        value = data.draw(JSON_SCALARS)
    else:
        option = data.draw(st.sampled_from(sorted(TRAIN_NUMBERS)))
        key = option[2:].replace("-", "_")
        value = data.draw(JSON_VALUES.filter(lambda v: not accepted(option, v)), label="value")
    good.pop(key, None)
    entries = list(good.items())
    entries.insert(data.draw(st.integers(0, len(entries))), (key, value))
    f = scratch / "one.json"
    f.write_text(json.dumps(dict(entries)))
    out = fresh(scratch)
    refuses(["train", "--config", f, *budget_without(key), "--out", out], key, keep=[scratch])
    assert not out.exists()


@pytest.mark.parametrize("name, text, needle", [
    ("section.toml", "[train]\nsteps = 2\n", "section"),
    ("tables.toml", "[[runs]]\nsteps = 2\n", "runs"),
    ("when.toml", "data = 1979-05-27T07:32:00Z\n", "data"),
    ("inline.toml", "g_hidden = {a = 1}\n", "g_hidden"),
    ("mixed.toml", "g_hidden = [1, 'a']\n", "g_hidden"),
    ("out.json", '{"out": "elsewhere"}', "--out"),
    ("resume.toml", "resume = 'x'\n", "--resume"),
    ("conf.yaml", "steps: 2\n", "conf.yaml"),
    ("empty.json", "", "empty.json"),
    ("nul.toml", "steps = 1\x00\n", "nul.toml"),
])
def test_config_files_of_the_wrong_shape_are_one_line(name, text, needle, scratch):
    f = scratch / name
    f.write_text(text, encoding="utf-8")
    out = fresh(scratch)
    refuses(["train", "--config", f, *BUDGET, "--out", out], needle, keep=[scratch])
    assert not out.exists()


def test_a_json_config_with_a_byte_order_mark_is_read(scratch):
    """Editors on Windows start UTF-8 files with a BOM: it is no error."""
    f = scratch / "bom.json"
    f.write_text('\ufeff{"lr_g": 0.0005}', encoding="utf-8")
    out = fresh(scratch)
    code, text, err = otgan_cli(["train", "--config", f, *BUDGET, "--out", out])
    assert code == 0, text + err
    assert json.loads((out / "config.json").read_text())["config"]["lr_g"] == 0.0005


@pytest.mark.parametrize("make", ["folder", "missing", "loop", "dangling", "fifo"])
def test_a_config_path_that_is_no_file_is_one_line(make, tmp_path):
    f = tmp_path / "cfg.toml"
    if make == "folder":
        f.mkdir()
    elif make == "loop":
        f.symlink_to(f.name)
    elif make == "dangling":
        f.symlink_to(tmp_path / "nowhere.toml")
    elif make == "fifo":
        os.mkfifo(f)
    refuses(["train", "--config", f, *BUDGET, "--out", tmp_path / "out"], "cfg.toml",
            keep=[tmp_path])
    assert not (tmp_path / "out").exists()


def test_a_json_integer_too_large_for_a_float_is_one_line(scratch):
    f = scratch / "bigint.json"
    f.write_text('{"lr_g": 1' + "0" * 400 + "}")
    refuses(["train", "--config", f, *BUDGET, "--out", fresh(scratch)], "lr_g", keep=[scratch])


def test_a_json_integer_of_5000_digits_is_one_line(scratch):
    f = scratch / "digits.json"
    f.write_text('{"steps": 1' + "0" * 5000 + "}")
    refuses(["train", "--config", f, *BUDGET, "--out", fresh(scratch)], "digits.json",
            keep=[scratch])


# ============================================================================= 3. data files
def train_on(f, scratch, *needles, keep=None):
    out = fresh(scratch)
    line = refuses(["train", "--data", f, *BUDGET, "--out", out], *needles,
                   keep=[scratch] if keep is None else keep)
    assert not out.exists(), "a refused run left its --out folder"
    return line


POINT_SHAPES = hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=12)


@fuzz(25)
@given(data=st.data())
def test_points_with_nan_or_inf_are_one_line(data, scratch):
    dtype = data.draw(st.sampled_from([np.float16, np.float32, np.float64]))
    x = data.draw(hnp.arrays(dtype, POINT_SHAPES, elements=st.floats(-100, 100, width=16)))
    where = data.draw(st.tuples(st.integers(0, x.shape[0] - 1), st.integers(0, x.shape[1] - 1)))
    x[where] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    f = scratch / "nan.npy"
    np.save(f, x)
    train_on(f, scratch, "nan.npy", "NaN or Inf")


@fuzz(20)
@given(shape=st.one_of(hnp.array_shapes(min_dims=0, max_dims=1, min_side=0, max_side=6),
                       hnp.array_shapes(min_dims=5, max_dims=6, min_side=1, max_side=3)),
       dtype=st.sampled_from([np.float32, np.float64, np.int64, np.uint8]))
def test_arrays_of_the_wrong_rank_are_one_line(shape, dtype, scratch):
    f = scratch / "rank.npy"
    np.save(f, np.zeros(shape, dtype))
    train_on(f, scratch, "rank.npy", "shape")


@fuzz(20)
@given(shape=st.one_of(
    st.tuples(st.integers(0, 1), st.integers(0, 5)),  # fewer than 2 points
    st.tuples(st.integers(2, 5), st.just(0)),  # points of dimension 0
    st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(0, 3)),  # images under 4 x 4
    st.tuples(st.integers(0, 3), st.sampled_from([0, 2, 5]), st.integers(4, 6),
              st.integers(5, 6))))  # channels neither 1, 3 nor 4 (nor last)
def test_empty_or_degenerate_arrays_are_one_line(shape, scratch):
    f = scratch / "small.npy"
    np.save(f, np.zeros(shape, np.float32))
    train_on(f, scratch, "small.npy")


@fuzz(10)
@given(x=hnp.arrays(st.sampled_from([np.complex64, np.complex128]), POINT_SHAPES,
                    elements=st.complex_numbers(max_magnitude=10, allow_nan=False, width=64)))
def test_complex_points_are_one_line(x, scratch):
    f = scratch / "complex.npy"
    np.save(f, x)
    train_on(f, scratch, "complex.npy", "complex numbers")


@pytest.mark.parametrize("array", [
    np.ones((10, 2), bool), np.array([["a", "b"]] * 5), np.array([[b"a", b"b"]] * 5),
    np.zeros(10, dtype=[("a", "f4"), ("b", "f4")]).reshape(5, 2),
    np.array(["2020-01-01"] * 10, dtype="datetime64[D]").reshape(5, 2),
    np.zeros((5, 2), dtype="V4"),
], ids=["bool", "str", "bytes", "struct", "datetime", "void"])
def test_arrays_of_things_that_are_not_numbers_are_one_line(array, scratch):
    f = scratch / "kind.npy"
    np.save(f, array)
    train_on(f, scratch, "kind.npy", "expected numbers")


def test_an_array_of_time_spans_is_one_line(scratch):
    f = scratch / "spans.npy"
    np.save(f, np.arange(20).astype("m8[s]").reshape(10, 2))
    train_on(f, scratch, "spans.npy")


def test_an_array_of_python_objects_is_not_unpickled(scratch):
    f = scratch / "objects.npy"
    np.save(f, np.array([[1, "a"], [None, 2.0]], dtype=object), allow_pickle=True)
    train_on(f, scratch, "objects.npy", "pickle")


@fuzz(30)
@given(blob=st.binary(max_size=400), suffix=st.sampled_from([".npy", ".npz"]))
def test_random_bytes_as_data_are_one_line(blob, suffix, scratch):
    assume(not blob.startswith(b"\x93NUMPY"))  # a header and random numbers could be data
    assume(not blob.startswith(b"PK"))  # zip archives: test_npz_archives_that_hold_no_arrays
    f = scratch / f"bytes{suffix}"
    f.write_bytes(blob)
    train_on(f, scratch, f"bytes{suffix}")


@fuzz(15)
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_a_text_file_named_npy_is_one_line(text, scratch):
    f = scratch / "text.npy"
    f.write_text(text, encoding="utf-8")
    train_on(f, scratch, "text.npy")


@pytest.mark.parametrize("text, needle", [
    ("a,b\n", "no data rows"), ("1,2\n3\n", "columns"), ("1,2\nx,3\n", "line 2"),
    ("1,2\nnan,3\n4,5\n", "NaN or Inf"), ("1,2\n", "at least 2 points"),
    ("1e400,2\n1,2\n", "NaN or Inf"), ("\n\n\n", "empty"), ("1;2\n3;4\n", "non-numeric"),
])
def test_csv_files_that_are_not_points_are_one_line(text, needle, scratch):
    f = scratch / "pts.csv"
    f.write_text(text)
    train_on(f, scratch, "pts.csv", needle)


@pytest.mark.parametrize("make", ["loop", "dangling", "folder", "empty_file", "fifo", "npz_two",
                                  "npz_shapes", "truncated", "no_suffix"])
def test_data_paths_that_hold_no_points_are_one_line(make, tmp_path):
    f = tmp_path / ("data.npz" if make.startswith("npz") else "data" if make == "no_suffix"
                    else "data.npy")
    x = np.random.default_rng(0).normal(size=(20, 2))
    if make == "loop":
        f.symlink_to(f.name)
    elif make == "dangling":
        f.symlink_to(tmp_path / "gone.npy")
    elif make == "folder":
        f.mkdir()
    elif make == "empty_file":
        f.write_bytes(b"")
    elif make == "fifo":
        os.mkfifo(f)
    elif make == "npz_two":
        np.savez(f, a=x, b=x)
    elif make == "npz_shapes":
        np.savez(f, train=x, test=x[:, :1])
    elif make == "truncated":
        buf = io.BytesIO()
        np.save(buf, x)
        f.write_bytes(buf.getvalue()[:150])
    elif make == "no_suffix":
        f.write_text("1,2\n3,4\n")
    train_on(f, tmp_path, f.name)


def _zip(f, members):
    import zipfile

    with zipfile.ZipFile(f, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def _object_npy():
    buf = io.BytesIO()
    np.save(buf, np.array([1, "a"], dtype=object), allow_pickle=True)
    return buf.getvalue()


@pytest.mark.parametrize("name, make", [
    ("zipmagic.npy", lambda f: f.write_bytes(b"PK\x03\x04" + bytes(100))),
    ("zipmagic.npz", lambda f: f.write_bytes(b"PK\x03\x04" + bytes(100))),
    ("junk.npz", lambda f: _zip(f, {"x.npy": b"junk" * 20})),
    ("text.npz", lambda f: _zip(f, {"notes.txt": "hello"})),
    ("objects.npz", lambda f: _zip(f, {"x.npy": _object_npy()})),
    ("empty.npz", lambda f: _zip(f, {})),
], ids=["zipmagic.npy", "zipmagic.npz", "junk.npz", "text.npz", "objects.npz", "empty.npz"])
def test_npz_archives_that_hold_no_arrays_are_one_line(name, make, tmp_path):
    f = tmp_path / name
    make(f)
    train_on(f, tmp_path, name)


def test_an_image_folder_of_junk_is_one_line(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    rng = random.Random(0)
    for i in range(3):
        (folder / f"{i}.png").write_bytes(rng.randbytes(200))
    train_on(folder, tmp_path, "unreadable image")


def _png(width, height):
    import struct
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0,
                                                              0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 8)) + chunk(b"IEND", b""))


def test_an_image_folder_with_a_decompression_bomb_is_one_line(tmp_path):
    folder = tmp_path / "bomb"
    folder.mkdir()
    for i in range(2):
        (folder / f"{i}.png").write_bytes(_png(100_000, 100_000))
    train_on(folder, tmp_path, "0.png")


def test_images_too_small_for_the_networks_write_nothing(tmp_path):
    from PIL import Image

    folder = tmp_path / "tiny"
    folder.mkdir()
    for i in range(500):  # a held-out split of 100
        Image.fromarray(np.full((1, 1), i % 250, np.uint8)).save(folder / f"{i}.png")
    train_on(folder, tmp_path, "1 x 1")


def test_image_values_beyond_float32_are_one_line(scratch):
    f = scratch / "bright.npy"
    np.save(f, np.full((4, 8, 8), 1e300))
    train_on(f, scratch, "bright.npy", "pixel values")


@pytest.mark.parametrize("rows, needle", [
    (2, "its held-out split holds 1 point, and the run's metrics need at least 100"),
    (499, "holds 100 points"), (490, "holds 98 points")])
def test_a_held_out_split_under_100_points_is_refused(rows, needle, scratch):
    """A data file whose held-out split (test_fraction 0.2) would measure nothing: refused in
    one line (499 rows give 100 held-out points and train)."""
    f = scratch / "few.npy"
    np.save(f, np.random.default_rng(0).normal(size=(rows, 2)))
    if rows == 499:
        out = fresh(scratch)
        code, _, err = otgan_cli(["train", "--data", f, *BUDGET, "--out", out])
        assert code == 0 and err.count("\n") == 1, err  # the line saying it starts
        return
    train_on(f, scratch, "few.npy", needle, "a larger test_fraction")


WEIGHTS = {  # name: (the weights file's contents, the needle of the refusal)
    "complex": (lambda f: np.save(f.with_suffix(".npy"), np.ones(500) + 1j), "complex numbers"),
    "empty_csv": (lambda f: f.write_text(""), "file is empty"),
    "blank_csv": (lambda f: f.write_text("\n\n"), "holds no weights"),
    "negative": (lambda f: f.write_text("-1\n" * 500), "non-negative"),
    "too_few": (lambda f: f.write_text("1\n" * 3), "expected 500 weights"),
}


@pytest.mark.parametrize("case", list(WEIGHTS))
def test_weights_files_that_are_not_weights_are_one_line_naming_them(case, tmp_path):
    """One line naming the weights file, and no Python warning (ComplexWarning, loadtxt's
    UserWarning) on the way."""
    make, needle = WEIGHTS[case]
    f = tmp_path / "w.csv"
    make(f)
    f = f if f.exists() else f.with_suffix(".npy")
    out = tmp_path / "out"
    refuses(["train", "--data", "ring", "--n-train", "500", "--data-weights", f, *BUDGET,
             "--out", out], str(f), needle, keep=[tmp_path])
    assert not out.exists()


def test_weights_near_the_top_of_float64_are_ratios_like_any_other(tmp_path):
    """1e308 each is uniform (they are scaled before summing): the run trains, no overflow
    warning, and its sampler draws uniformly."""
    from otgan.data.arrays import check_weights

    assert check_weights(np.full(4, 1e308), 4, "w").tolist() == [0.25] * 4
    assert check_weights([1e308, 1e308, 0.0], 3, "w").tolist() == [0.5, 0.5, 0.0]
    np.save(tmp_path / "w.npy", np.full(500, 1e308))
    code, _, err = otgan_cli(["train", "--data", "ring", "--n-train", "500", "--data-weights",
                              tmp_path / "w.npy", *BUDGET, "--out", tmp_path / "out"])
    assert code == 0 and err.count("\n") == 1 and "Warning" not in err, err


def test_weights_on_an_image_set_are_refused_naming_it(tmp_path):
    (tmp_path / "w.npy").write_bytes(b"")
    np.save(tmp_path / "w.npy", np.ones(10))
    refuses(["train", "--data", "digits", "--data-weights", tmp_path / "w.npy", *BUDGET,
             "--out", tmp_path / "out"], "digits is an image set", "toy set",
            keep=[tmp_path])


# ============================================================================= 4. run folders
#: numeric fields a run may not change, with values that are valid (and differ from the run's)
EDITABLE = {
    "n_train": st.integers(1, 10**8), "n_test": st.integers(100, 10**8),
    "data_seed": st.integers(0, 2**31 - 1), "seed": st.integers(0, 2**31 - 1),
    "batch_size": st.integers(1, 10**6), "n_critic": st.integers(1, 100),
    "latent_dim": st.integers(0, 1000), "lr_g": st.floats(1e-8, 10), "lr_d": st.floats(1e-8, 10),
    "gp_lambda": st.floats(0, 100), "beta2": st.floats(0, 0.999), "ema": st.floats(0, 0.999),
    "test_fraction": st.floats(0.01, 0.99),
    "g_hidden": st.lists(st.integers(1, 512), min_size=1, max_size=3),
    "d_hidden": st.lists(st.integers(1, 512), min_size=1, max_size=3),
    "activation": st.sampled_from(["elu", "tanh", "softplus", "silu", "gelu"]),
    "optimizer": st.sampled_from(["rmsprop", "sgd"]),
}
#: values no numeric field accepts
JUNK = st.sampled_from([None, "abc", -1, True, {"x": 1}, [], "nan"])


def edit_config(run, key, value):
    record = json.loads((run / "config.json").read_text())
    record["config"][key] = value
    (run / "config.json").write_text(json.dumps(record))


@fuzz(50)
@given(data=st.data())
def test_a_hand_edited_config_json_is_refused_by_every_command(data, run_dir):
    saved = json.loads((run_dir / "config.json").read_text())["config"]
    key = data.draw(st.sampled_from(sorted(EDITABLE)), label="key")
    value = data.draw(st.one_of(EDITABLE[key], JUNK).filter(lambda v: v != saved[key]),
                      label="value")
    command = data.draw(st.sampled_from(["sample", "eval", "resume"]), label="command")
    with run_copy(run_dir) as run:
        edit_config(run, key, value)
        refuses(run_command(command, run, run.parent), "config.json", key,
                keep=[run.parent])


@pytest.mark.parametrize("key, value, shown", [("data", "moons", "'moons'"),
                                               ("g_hidden", [8], "[8]"),
                                               ("method", "sngan", "'sngan'")])
def test_eval_refuses_a_hand_edited_config(key, value, shown, copy):
    edit_config(copy, key, value)
    refuses(["eval", copy, "--n", "100", "--metrics", "w1"],
            f"config.json says {key} = {shown} but the checkpoint", keep=[copy.parent])
    assert not (copy / "eval.json").exists()


CONFIG_JSON_CASES = {  # name: an edit of config.json
    "non_utf8": lambda p: p.write_bytes(b"\xff\xfe\xdd garbage \x80"),
    "config_null": lambda p: p.write_text(json.dumps({**json.loads(p.read_text()),
                                                      "config": None})),
    "config_list": lambda p: p.write_text(json.dumps({**json.loads(p.read_text()),
                                                      "config": [1]})),
    "format_text": lambda p: p.write_text(json.dumps({**json.loads(p.read_text()),
                                                      "format": "x"})),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[:200]),
    "list": lambda p: p.write_text("[1, 2]"),
    "empty": lambda p: p.write_bytes(b""),
    "newer": lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "format": 99})),
}


@pytest.mark.parametrize("case, command", [
    (case, command) for case in CONFIG_JSON_CASES
    for command in ("sample", "eval", "resume", "report", "compare")])
def test_a_broken_config_json_is_one_line(case, command, copy):
    CONFIG_JSON_CASES[case](copy / "config.json")
    refuses(run_command(command, copy, copy.parent), "config.json" if case != "newer"
            else "newer otgan", keep=[copy.parent])


def float_tensors(obj, name="", path=()):
    """(name as rundir.non_finite spells it, path of keys) of every floating tensor."""
    if isinstance(obj, torch.Tensor):
        return [(name, path)] if obj.is_floating_point() else []
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) \
        if isinstance(obj, (list, tuple)) else ()
    out = []
    for k, v in items:
        out += float_tensors(v, f"{name}.{k}" if name else str(k), path + (k,))
    return out


def poison(file, path, index, value):
    state = torch.load(file, weights_only=True)
    t = state["state"]
    for k in path:
        t = t[k]
    t.view(-1)[index % t.numel()] = value
    torch.save(state, file)


@fuzz(12)
@given(data=st.data())
def test_nan_weights_anywhere_in_a_checkpoint_are_named(data, run_dir):
    """A NaN or Inf in any tensor of the last checkpoint: sample and eval fall back to the
    previous one, saying so; in both checkpoints every command refuses, naming the tensor."""
    tensors = float_tensors(torch.load(run_dir / CHECKPOINT, weights_only=True)["state"])
    name, path = data.draw(st.sampled_from(tensors), label="tensor")
    value = data.draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    index = data.draw(st.integers(0, 10**6))
    both = data.draw(st.booleans(), label="both checkpoints")
    command = data.draw(st.sampled_from(["sample", "eval", "resume"] if both
                                        else ["sample", "eval"]), label="command")
    with run_copy(run_dir) as run:
        for f in (CHECKPOINT, PREVIOUS) if both else (CHECKPOINT,):
            poison(run / f, path, index, value)
        args = run_command(command, run, run.parent)
        if both:
            refuses(args, f"holds NaN or infinite weights ({name})", keep=[run.parent])
            return
        before = snapshot(run)
        code, out, err = otgan_cli(args)
        assert code == 0 and "Traceback" not in out + err, out + err
        assert err.strip() == (f"otgan: {run / CHECKPOINT}: holds NaN or infinite weights "
                               f"({name}); using {PREVIOUS} (step 10)"), err
        assert differences(before, snapshot(run), new_ok=True) == []


@fuzz(25)
@given(blob=st.binary(max_size=2048), keep_previous=st.booleans(),
       command=st.sampled_from(["sample", "eval", "resume"]))
def test_a_foreign_checkpoint_is_one_line_or_the_previous_one(blob, keep_previous, command,
                                                                run_dir):
    assume(keep_previous is False or command != "resume")  # resuming would train
    with run_copy(run_dir) as run:
        (run / CHECKPOINT).write_bytes(blob)
        if not keep_previous:
            (run / PREVIOUS).unlink()
            refuses(run_command(command, run, run.parent), f"{run / CHECKPOINT}: ",
                    keep=[run.parent])
            return
        before = snapshot(run)
        code, out, err = otgan_cli(run_command(command, run, run.parent))
        assert code == 0 and "Traceback" not in out + err, out + err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"otgan: {run / CHECKPOINT}: "), err
        assert lines[0].endswith(f"; using {PREVIOUS} (step 10)"), err
        assert differences(before, snapshot(run), new_ok=True) == []


@fuzz(15)
@given(data=st.data())
def test_a_truncated_checkpoint_falls_back_to_the_previous_saying_so(data, run_dir):
    size = (run_dir / CHECKPOINT).stat().st_size
    keep = data.draw(st.integers(0, size - 1), label="bytes kept")
    command = data.draw(st.sampled_from(["sample", "eval"]))
    with run_copy(run_dir) as run:
        (run / CHECKPOINT).write_bytes((run_dir / CHECKPOINT).read_bytes()[:keep])
        before = snapshot(run)
        code, out, err = otgan_cli(run_command(command, run, run.parent))
        assert code == 0 and "Traceback" not in out + err, out + err
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith(f"otgan: {run / CHECKPOINT}: refused or unreadable "
                                   f"checkpoint ("), err
        assert lines[0].endswith(f"); using {PREVIOUS} (step 10)"), err
        assert differences(before, snapshot(run), new_ok=True) == []
        if command == "sample":
            assert np.load(run.parent / "x.npy").shape == (5, 2)


def test_resume_from_a_truncated_checkpoint_continues_from_the_previous(copy):
    """The damaged checkpoint is set aside (kept, renamed), not rotated over the previous one."""
    data = (copy / CHECKPOINT).read_bytes()
    (copy / CHECKPOINT).write_bytes(data[: len(data) // 3])
    code, out, err = otgan_cli(["train", "--resume", copy, "--steps", "21"])
    assert code == 0 and "Traceback" not in out + err, out + err
    assert (f"otgan: {copy / CHECKPOINT}: refused or unreadable checkpoint (truncated or "
            f"corrupt file); set aside as {CHECKPOINT}.damaged; using {PREVIOUS} (step 10)"
            ) in err.splitlines()
    assert "resuming from step 10 to 21" in err
    state = torch.load(copy / CHECKPOINT, weights_only=True)
    assert state["state"]["step"] == 21
    assert (copy / f"{CHECKPOINT}.damaged").read_bytes() == data[: len(data) // 3]
    # the checkpoint before the last is the resumed run's own (step 20), never the damaged one
    assert torch.load(copy / PREVIOUS, weights_only=True)["state"]["step"] == 20


CHECKPOINT_CASES = {  # name: what checkpoint.pt holds
    "format_text": lambda f: torch.save({"format": "x"}, f),
    "no_state": lambda f: torch.save({"format": 1}, f),
    "state_list": lambda f: torch.save({"format": 1, "state": [1]}, f),
    "step_text": lambda f: torch.save({"format": 1, "state": {"step": "x"}}, f),
    "list": lambda f: torch.save([1, 2], f),
    "tensor": lambda f: torch.save(torch.zeros(3), f),
    "newer": lambda f: torch.save({"format": 99, "state": {}}, f),
}


@pytest.mark.parametrize("case, command", [
    (case, command) for case in CHECKPOINT_CASES for command in ("sample", "eval", "resume")])
def test_a_checkpoint_of_the_wrong_shape_is_one_line(case, command, copy):
    CHECKPOINT_CASES[case](copy / CHECKPOINT)
    (copy / PREVIOUS).unlink()
    refuses(run_command(command, copy, copy.parent), "checkpoint.pt", keep=[copy.parent])


def test_a_checkpoint_that_is_a_folder_is_not_skipped_in_silence(copy):
    (copy / CHECKPOINT).unlink()
    (copy / CHECKPOINT).mkdir()
    code, out, err = otgan_cli(run_command("sample", copy, copy.parent))
    assert "Traceback" not in out + err
    assert "checkpoint.pt" in err, (code, out, err)


# ---------------------------------------------------------------- the other commands' numbers
@pytest.mark.parametrize("options, needle", [
    (["--steps", "0"], "--steps"), (["--batch", "-1"], "--batch"), (["--n-eval", "0"], "--n-eval"),
    (["--n-targets", "0"], "--n-targets"), (["--gamma", "0"], "--gamma"),
    (["--gamma", "inf"], "--gamma"), (["--gamma", "-1"], "--gamma"), (["--scale", "nan"], "--scale"),
    (["--scale", "0"], "--scale"), (["--threads", "-1"], "--threads"),
    (["--threads", "1025"], "--threads"), (["--eps", "-1"], "--eps"),
    (["--steps", "1.5"], "--steps"), (["--cost", "manhattan"], "--cost"),
    (["--eps", "nan"], "--eps"),
    (["--eps", "inf"], "--eps"),
    (["--seed", "-1"], "seed"),
    (["--seed", str(10**20)], "seed"),
])
def test_bad_numbers_for_solve_are_one_line(options, needle, scratch):
    out = fresh(scratch)
    refuses([*SOLVE_RING, *options, "--out", out], needle, keep=[scratch])
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("options, needle", [
    (["--steps", "0"], "--steps"), (["--shift", "a,b"], "--shift"), (["--seed", "-1"], "seed"),
    (["--shift", "1,2,3"], "shift"), (["--method", "nope"], "nope"),
    (["--noise", "-1"], "--noise"),
    (["--noise", "nan"], "--noise"),
])
def test_bad_numbers_for_critic_are_one_line(options, needle, scratch):
    out = fresh(scratch)
    refuses(["critic", "--real", "ring", "--steps", "2", "--no-progress", *options,
             "--out", out], needle, keep=[scratch])
    assert not out.exists()


# ------------------------------------------------ every numeric option of every command
def _commands(group=None, path=()):
    """(command path, click command) of every otgan command."""
    import click

    from otgan.cli.entry import cli

    group = cli if group is None else group
    for name, cmd in sorted(group.commands.items()):
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*path, name))


def _numeric_options():
    """(command path, option, its parameter type) of every option typed Count or Real."""
    from otgan.cli.options import Count, Real

    return [(path, max(p.opts, key=len), p.type) for path, cmd in _commands()
            for p in cmd.params if isinstance(p.type, (Count, Real))]


def test_every_numeric_option_is_checked_by_a_parameter_type():
    """One validation style: no command takes a number through click's own INT, FLOAT,
    IntRange or FloatRange (which let NaN through and have no bound), and the options that
    take numbers are there to be tried below."""
    import click

    raw = (click.types.IntParamType, click.types.FloatParamType)
    loose = [f"otgan {' '.join(path)} {max(p.opts, key=len)}" for path, cmd in _commands()
             for p in cmd.params if isinstance(p.type, raw)]
    assert loose == []
    found = {(path, opt) for path, opt, _ in _numeric_options()}
    for case in [(("sample",), "--refine-scale"), (("benchmark", "mixtures"), "--seeds"),
                 (("benchmark", "mixtures"), "--seconds"), (("benchmark", "mixtures"),
                                                           "--refine-lr"),
                 (("benchmark", "stacked-mnist"), "--eval-every"), (("train",), "--lr"),
                 (("encode",), "--lr"), (("solve",), "--gamma"), (("sweep",), "--seeds")]:
        assert case in found, case


def _refused_values(kind) -> list[str]:
    """Which of NaN, the infinities, 0, a negative number and a huge one ``kind`` refuses (0
    and negative numbers only where its lower bound excludes them)."""
    from otgan.cli.options import Count

    values = ["nan", "inf", "-inf"]
    if isinstance(kind, Count):
        return values + [v for v, n in (("0", 0), ("-1", -1)) if n < kind.lo] + [str(10**30)]
    return values + [v for v, n in (("0", 0.0), ("-1", -1.0))
                     if n < kind.lo or (n == kind.lo and kind.open)] + ["1e300"]


@pytest.mark.parametrize("path, option, kind", _numeric_options(),
                         ids=lambda v: v if isinstance(v, str) else "-".join(v)
                         if isinstance(v, tuple) else "")
def test_bad_numbers_for_every_option_are_one_line_before_any_work(path, option, kind,
                                                                    scratch, monkeypatch):
    """NaN, Inf, -Inf, 0 and negative numbers where the option's bound excludes them, and a
    huge number: one line naming the option and the value, exit 2, no traceback, nothing
    written (the option is read first, before any argument: nothing else is looked at)."""
    monkeypatch.chdir(scratch)
    for value in _refused_values(kind):
        line = refuses([*path, option, value], option, keep=[scratch])
        assert value in line or "digits" in line, line


@pytest.mark.parametrize("args", [
    ["mixtures", "--seeds", str(10**12), "--steps", "5"],
    ["mixtures", "--seconds", "nan"], ["mixtures", "--seconds", "inf"],
    ["stacked-mnist", "--seconds", "nan"], ["stacked-mnist", "--seconds", "inf"],
    ["mixtures", "--steps", "5", "--refine-lr", "nan"],
    ["mixtures", "--steps", "5", "--refine-scale", "nan"],
    ["mixtures", "--steps", "5", "--refine-scale", "1e-300"],
    ["mixtures", "--steps", "5", "--set", "lr_g=nan"],
    ["mixtures", "--steps", "5", "--set", "eval_every=-1"],
])
def test_a_benchmark_checks_every_value_before_creating_anything(args, scratch):
    out = fresh(scratch)
    refuses(["benchmark", *args, "--out", out], keep=[scratch])
    assert not out.exists()


def test_the_benchmark_api_checks_every_value_before_creating_anything(tmp_path):
    from otgan.benchmark import run_mixtures
    from otgan.benchmark.runs import Budget
    from otgan.errors import ConfigError
    from otgan.training.refine import Refinement

    for kw in (dict(seeds=10**12, steps=5), dict(seconds=float("nan")), dict(steps=0),
               dict(seconds=float("inf")), dict(steps=5, workers=0),
               dict(steps=5, extra={"lr_g": float("nan")})):
        with pytest.raises(ConfigError):
            run_mixtures(out=tmp_path / "b", say=lambda m: None, **{"seconds": None, **kw})
        assert not (tmp_path / "b").exists()
    with pytest.raises(ConfigError):
        Budget(seconds=float("nan"))
    for bad in (dict(lr=float("nan")), dict(k_scale=float("nan")), dict(k_scale=1e-300),
                dict(k=float("inf")), dict(steps=-1), dict(lr=1e300)):
        with pytest.raises(ConfigError):
            Refinement(**bad)


@pytest.mark.parametrize("refine", [["--refine-scale", "nan"], ["--refine-scale", "1e-300"],
                                    ["--refine-scale", "inf"], ["--refine-scale", "0"]])
def test_sample_refuses_a_refinement_scale_out_of_range(refine, run_dir, scratch):
    out = fresh(scratch).with_suffix(".npy")
    refuses(["sample", run_dir, "--n", "10", "--refine", "10", *refine, "--out", out],
            "--refine-scale", keep=[run_dir, scratch])
    assert not out.exists()


def test_sample_never_writes_points_that_are_not_finite(run_dir, scratch, monkeypatch):
    """Whatever makes the refined points overflow, no file of NaNs is written in silence: one
    line, exit 2, nothing written."""
    from otgan.training import run as run_module

    monkeypatch.setattr(run_module, "refine_points",
                        lambda critic, y, *a, **k: torch.full_like(y, float("nan")))
    out = fresh(scratch).with_suffix(".npy")
    refuses(["sample", run_dir, "--n", "10", "--refine", "3", "--out", out],
            "not finite", keep=[run_dir, scratch])
    assert not out.exists()


# -------------------------------------------------------------- benchmark folders damaged
@pytest.fixture(scope="module")
def bench_dir(tmp_path_factory):
    """A tiny mixtures benchmark (one set, one seed of 3 updates, 300 samples per run)."""
    import otgan.benchmark.mixtures as mixtures

    out = tmp_path_factory.mktemp("bench") / "b"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mixtures, "N_SAMPLES", 300)
        mixtures.run_mixtures(**BENCH, out=out)
    return out


BENCH = dict(methods=["wgan-gp"], sets=("8gaussians",), seeds=1, steps=3, seconds=None,
             workers=1, refine={}, say=lambda m: None,
             extra={"batch_size": 32, "n_train": 1000, "n_test": 200, "eval_n": 200})
BENCH_RUN = "8gaussians/wgan-gp-default/runs/m0000"
BENCH_RESULT = "8gaussians/wgan-gp-default/shards/0000.json"


@pytest.mark.parametrize("damage", ["output-is-a-folder", "run-checkpoint-truncated",
                                    "run-is-a-file"])
def test_a_damaged_benchmark_folder_is_set_aside_in_one_line_and_redone(damage, bench_dir,
                                                                        tmp_path, capsys,
                                                                        monkeypatch):
    """The same benchmark again over a damaged folder: the damaged file or run set aside
    (never deleted), said in one line, that part redone, the outputs written."""
    import otgan.benchmark.mixtures as mixtures

    monkeypatch.setattr(mixtures, "N_SAMPLES", 300)
    out = tmp_path / "b"
    shutil.copytree(bench_dir, out)
    if damage == "output-is-a-folder":
        (out / "benchmark.json").unlink()
        (out / "benchmark.json").mkdir()
        (out / "benchmark.json" / "x").write_text("mine")
        kept = {"benchmark.json.damaged/x": b"mine"}
    elif damage == "run-checkpoint-truncated":
        ckpt = out / BENCH_RUN / CHECKPOINT
        assert not (out / BENCH_RUN / PREVIOUS).exists()  # a short run has no previous one
        ckpt.write_bytes(ckpt.read_bytes()[:200])
        kept = {f"{BENCH_RUN}.damaged/{CHECKPOINT}": ckpt.read_bytes(),
                f"{BENCH_RESULT}.damaged": (out / BENCH_RESULT).read_bytes()}
    else:
        shutil.rmtree(out / BENCH_RUN)
        (out / BENCH_RUN).write_text("not a run")
        kept = {f"{BENCH_RUN}.damaged": b"not a run"}
    capsys.readouterr()
    result = mixtures.run_mixtures(**BENCH, out=out)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "set aside as" in lines[0] and "Traceback" not in err, err
    after = snapshot(out)
    for name, data in kept.items():
        assert after[name] == data, name
    assert [m["seed"] for m in result["members"]] == [0]
    assert (out / "benchmark.json").is_file() and (out / BENCH_RUN / CHECKPOINT).is_file()


def test_a_benchmark_stopped_by_a_signal_says_to_run_the_same_command(tmp_path, monkeypatch):
    """A stop names the way on: the benchmark's own command, not one of its inner runs."""
    from otgan.training import fit as fit_module
    from otgan.training.signals import Interrupted, continued_by

    loop = fit_module.train_loop

    def stopped(*a, **k):
        os.kill(os.getpid(), signal.SIGINT)
        return loop(*a, **k)

    monkeypatch.setattr(fit_module, "train_loop", stopped)
    with continued_by("the same otgan benchmark mixtures command again (--out b)"):
        with pytest.raises(Interrupted) as e:
            otgan.train(quick_config(steps=3), out=tmp_path / "r")
    assert "continue with: the same otgan benchmark mixtures command again (--out b)" \
        in str(e.value) and "--resume" not in str(e.value)


def test_collect_on_a_plan_whose_members_were_edited_says_why(sweep_dir, tmp_path):
    """0 of N runs done, and the one line before it says why: the plan's members changed."""
    dst = tmp_path / "sweep"
    shutil.copytree(sweep_dir, dst)
    plan = json.loads((dst / "plan.json").read_text())
    for m in plan["members"]:
        m["config"]["lr_g"] = 0.5
    (dst / "plan.json").write_text(json.dumps(plan))
    before = snapshot(dst)
    code, out, err = otgan_cli(["sweep", "collect", dst])
    assert code == 0 and "Traceback" not in out + err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == len(plan["shards"]) and all("members edited" in ln for ln in lines)
    assert differences(before, snapshot(dst), new_ok=True) == []


def test_a_corrupt_classifier_cache_is_set_aside_in_one_line(tmp_path, monkeypatch, capsys):
    from otgan.data.dataset import load_dataset
    from otgan.metrics import images

    monkeypatch.setenv("OTGAN_DATA", str(tmp_path))
    def trained(*a, quiet=False, **k):  # (the training itself is tested elsewhere)
        if not quiet:
            print("  classifier epoch 1/1: test accuracy 0.9", file=sys.stderr)
        return torch.nn.Linear(1, 1), 0.9

    monkeypatch.setattr(images, "train_classifier", trained)
    ds = load_dataset("digits")
    key = images.data_checksum(ds.train, ds.train_labels)[:16]
    path = tmp_path / "classifiers" / f"digits-{key}.pt"
    path.parent.mkdir()
    path.write_bytes(b"PK\x03\x04 truncated")
    images.load_classifier(ds)
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "set aside as" in lines[0], lines
    assert (path.parent / (path.name + ".damaged")).read_bytes() == b"PK\x03\x04 truncated"
    assert path.is_file()


def test_a_corrupt_image_cache_is_set_aside_in_one_line(tmp_path, monkeypatch, capsys):
    import gzip

    from otgan.data import images

    monkeypatch.setenv("OTGAN_DATA", str(tmp_path))
    monkeypatch.setitem(images.SOURCES, "fake", images.ImageSource("fake", "", ("",) * 4, ()))
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (30, 28, 28)).astype(np.uint8), np.arange(30) % 10,
              rng.integers(0, 256, (10, 28, 28)).astype(np.uint8), np.arange(10) % 10]
    (tmp_path / "fake").mkdir()
    for stem, a in zip(images.IDX_FILES, arrays):
        a = a.astype(np.uint8)
        header = bytes([0, 0, 8, a.ndim]) + b"".join(d.to_bytes(4, "big") for d in a.shape)
        (tmp_path / "fake" / (stem + ".gz")).write_bytes(gzip.compress(header + a.tobytes()))
    (tmp_path / "fake.npz").write_bytes(b"PK\x03\x04 not a whole archive")
    images.fetch("fake")
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "set aside as fake.npz.damaged" in lines[0], lines
    assert (tmp_path / "fake.npz.damaged").read_bytes() == b"PK\x03\x04 not a whole archive"
    assert images.fetch("fake") == tmp_path / "fake.npz"  # the new cache reads


# ============================================================================= 5. output places
def _ignores_permissions(folder) -> bool:
    """Whether this process writes into a read-only folder anyway (root, CAP_DAC_OVERRIDE)."""
    probe = folder / ".probe"
    try:
        probe.write_bytes(b"")
    except PermissionError:
        return False
    probe.unlink()
    return True


@pytest.mark.parametrize("command", ["train", "sample", "compare"])
def test_a_read_only_output_folder_is_one_line(command, run_dir, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "mine.txt").write_text("mine")
    ro.chmod(0o500)
    try:
        if _ignores_permissions(ro):
            pytest.skip("this process ignores file permissions (root)")
        args = {"train": ["train", "--data", "ring", *BUDGET, "--out", ro / "run"],
                "sample": ["sample", run_dir, "--n", "5", "--out", ro / "x.npy"],
                "compare": ["compare", run_dir, "--out", ro / "c.html"]}[command]
        refuses(args, "Permission denied", keep=[ro, run_dir])
        assert sorted(os.listdir(ro)) == ["mine.txt"]
    finally:
        ro.chmod(0o700)


@pytest.fixture
def tmpfs(tmp_path):
    """A small disk of its own (tmpfs): root only, and only where mount works."""
    mounted = []

    def mount(size: str, read_only: bool = False, prepare=None):
        where = tmp_path / f"disk{len(mounted)}"
        where.mkdir()
        if not IS_ROOT or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                                          str(where)], capture_output=True).returncode != 0:
            pytest.skip("needs root and mount (a tmpfs) for a read-only or full disk")
        mounted.append(where)
        if prepare is not None:
            prepare(where)
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _prepare(disk):
    (disk / "mine.txt").write_text("precious")
    (disk / "empty").mkdir()


@pytest.mark.parametrize("out", ["run", "a/b/c", "empty", "."])
def test_train_into_a_read_only_disk_is_one_line(out, tmpfs):
    """What a read-only output folder is to root (who ignores permissions); test_safety covers
    the other commands on a read-only disk."""
    disk = tmpfs("1m", read_only=True, prepare=_prepare)
    needle = "not an otgan run" if out == "." else "Read-only file system"
    refuses(["train", "--data", "ring", *BUDGET, "--out", disk / out], needle, keep=[disk])
    assert sorted(os.listdir(disk)) == ["empty", "mine.txt"]


def test_train_onto_a_full_disk_is_one_line(tmpfs):
    disk = tmpfs("64k", prepare=_prepare)
    refuses(["train", "--data", "ring", *BUDGET, "--out", disk / "run"], "MiB free",
            keep=[disk])


def test_sample_onto_a_full_disk_is_one_line(tmpfs, run_dir):
    disk = tmpfs("64k", prepare=_prepare)
    refuses(["sample", run_dir, "--n", "20000", "--out", disk / "x.npy"], "x.npy",
            "No space left on device", keep=[disk, run_dir])
    assert sorted(os.listdir(disk)) == ["empty", "mine.txt"]


def test_compare_onto_a_full_disk_names_the_file(tmpfs, run_dir):
    disk = tmpfs("64k", prepare=_prepare)
    refuses(["compare", run_dir, "--out", disk / "c.html"], "c.html", "No space left on device",
            keep=[disk, run_dir])
    assert sorted(os.listdir(disk)) == ["empty", "mine.txt"]


def test_solve_onto_a_full_disk_names_the_file(tmpfs):
    """solve writes solution.json, solution.npz, then laguerre.png: the disk fills on the
    figure, which the one line names; no half-written figure, the user's files as they were."""
    def filled(disk):
        _prepare(disk)
        (disk / "mine.bin").write_bytes(b"x" * 40_000)

    disk = tmpfs("64k", prepare=filled)
    before = snapshot(disk)
    code, out, err = otgan_cli(["solve", "--targets", "ring", "--n-targets", "50", "--steps",
                                "20", "--n-eval", "1000", "--no-progress", "--out", disk / "s"])
    assert out.startswith("W2^2 estimate")  # the result, said before the figure was written
    one_line(code, "", err, f"{disk / 's' / 'laguerre.png'}: No space left on device")
    assert differences(before, snapshot(disk), new_ok=True) == []
    assert not (disk / "s" / "laguerre.png").exists()
    assert [p.name for p in (disk / "s").iterdir() if p.name.startswith(".")] == []


# ============================================================================= 6. concurrency
HOLDER = textwrap.dedent("""
    import sys, time
    from otgan.rundir import RunDir
    RunDir(sys.argv[1]).lock()
    print("locked", flush=True)
    time.sleep(300)
""")


@pytest.fixture(scope="module")
def locked_run(run_dir, tmp_path_factory):
    """A copy of the run whose lock another process (alive, sleeping) holds."""
    run = tmp_path_factory.mktemp("locked") / "run"
    shutil.copytree(run_dir, run)
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(run)], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield run, proc.pid
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


@pytest.mark.parametrize("how", [
    "overwrite", "resume",
    ("plain"),
])
def test_a_second_train_on_a_locked_folder_names_the_holder(how, locked_run):
    run, pid = locked_run
    args = {"overwrite": ["train", "--data", "ring", *BUDGET, "--out", run, "--overwrite"],
            "resume": ["train", "--resume", run, "--steps", "40", "--no-progress"],
            "plain": ["train", "--data", "ring", *BUDGET, "--out", run]}[how]
    assert (run / LOCK).read_text().startswith(f"pid {pid} ")
    refuses(args, f"pid {pid}", keep=[run])


# ============================================================================= 7. sweep folders
#: a batched ensemble shard (0: the wgan-clip member) and a plain run shard (1: sd-wgan)
SWEEP = ["sweep", "--grid", "method=wgan-clip,sd-wgan", "--steps", "6", "--set", "n_train=500",
         "--set", "n_test=300", "--set", "eval_n=300", "--set", "metrics=w1", "--set",
         "log_every=1000000000", "--set", "checkpoint_every=2", "--workers", "1",
         "--no-progress", "--out"]
#: the merged outputs: derived from the shards, rewritten by every re-run and collect
OUTPUTS = ("sweep.json", "table.md", "heatmaps.png", "samples.png", "sweep.html")


def damage(path: Path, how: str) -> None:
    """Truncate, empty, replace by a folder (holding a file), or delete ``path``."""
    if how == "truncated":
        path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 2)])
    elif how == "emptied":
        path.write_bytes(b"")
    elif how == "folder":
        path.unlink()
        path.mkdir()
        (path / "inside.txt").write_text("kept")
    else:
        path.unlink()


def kept_or_set_aside(before: dict, after: dict, changed_ok=()) -> list[str]:
    """Files of ``before`` missing from ``after``: each must be there, byte for byte, or under a
    set-aside name (``.damaged``); the outputs and the names in ``changed_ok`` may change."""
    lost = []
    for rel, data in before.items():
        if rel in OUTPUTS or rel in changed_ok or after.get(rel) == data:
            continue
        if not any(".damaged" in k and v == data for k, v in after.items()):
            lost.append(rel)
    return lost


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    """A finished sweep."""
    out = tmp_path_factory.mktemp("sweep") / "s"
    code, _, err = otgan_cli(SWEEP + [out])
    assert code == 0, err
    assert sorted(p.name for p in (out / "shards").glob("*.json")) == ["0000.json", "0001.json"]
    return out


@contextlib.contextmanager
def sweep_copy(src):
    with tempfile.TemporaryDirectory(dir=src.parent.parent) as d:
        dst = Path(d) / "s"
        shutil.copytree(src, dst, symlinks=True)
        yield dst


#: (file, damage) -> what a re-run of the same command and `otgan sweep collect` do:
#: (exit code, a needle of the one stderr line, or None for no line)
def _sweep_case(name, how):
    damaged = how != "deleted"
    if name == ".otgan-sweep":  # its contents are not read; a folder there is not ours
        return {"rerun": (2, "not an otgan sweep") if how == "folder" else (0, None),
                "collect": (2, "not an otgan sweep") if how == "folder" else (0, None)}
    if name == "plan.json":  # the command writes it again; collect cannot go on without it
        return {"rerun": (0, "plan.json"), "collect": (2, "plan.json")}
    if name.startswith("shards/"):  # set aside and trained again; collect: missing
        return {"rerun": (0, name[7:] if damaged else None),
                "collect": (0, name[7:] if damaged else None)}
    if name == "table.md":  # an output: written again; a folder in its place is set aside
        return {c: (0, "table.md" if how == "folder" else None) for c in ("rerun", "collect")}
    return {"rerun": (0, None), "collect": (0, None)}  # a finished shard's run: not read


SWEEP_FILES = [".otgan-sweep", "plan.json", "shards/0000.json", "shards/0001.json", "table.md",
               "runs/m0001/checkpoint.pt", "runs/m0001/config.json"]
DAMAGES = ["truncated", "emptied", "folder", "deleted"]


@pytest.mark.parametrize("command", ["rerun", "collect"])
@pytest.mark.parametrize("how", DAMAGES)
@pytest.mark.parametrize("name", SWEEP_FILES)
def test_a_damaged_file_of_a_finished_sweep(name, how, command, sweep_dir):
    """Re-running the same command and collecting: exit code, at most the one line naming the
    damaged file, no traceback, every file kept (a damaged one under a set-aside name), and
    a re-run ends with every shard done again."""
    code, needle = _sweep_case(name, how)[command]
    with sweep_copy(sweep_dir) as s:
        damage(s / name, how)
        before = snapshot(s)
        args = SWEEP + [s] if command == "rerun" else ["sweep", "collect", s]
        status, out, err = otgan_cli(args)
        lines = err.strip().splitlines()
        assert "Traceback" not in out + err and status == code, (status, out + err)
        if needle is None:
            assert lines == [], err
        else:
            assert len(lines) == 1 and needle in lines[0], err
        assert kept_or_set_aside(before, snapshot(s)) == [], err
        if command == "rerun" and code == 0:
            assert "all 2 runs done" in out, out
            assert {p.name for p in (s / "shards").glob("*.json")} == {"0000.json", "0001.json"}
        if command == "collect" and code == 0 and name.startswith("shards/"):
            assert "1 of 2 runs done" in out, out


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@fuzz(20)
@given(data=st.data())
def test_any_json_as_a_shard_result_or_plan_is_one_line_for_collect(data, sweep_dir):
    """A shard result edited into any JSON value (or one of the entries that identify it
    replaced by any value): counted as missing in one line; a plan so edited: one line, exit 2;
    nothing changed."""
    which = data.draw(st.sampled_from(["shards/0000.json", "plan.json"]), label="file")
    with sweep_copy(sweep_dir) as s:
        original = json.loads((s / which).read_text())
        if data.draw(st.booleans(), label="whole file"):
            value = data.draw(JSON, label="value")
        else:
            value = dict(original)
            keys = ["shard", "records", "digest"] if which != "plan.json" else ["members",
                                                                               "shards"]
            key = data.draw(st.sampled_from(keys), label="key")
            value[key] = data.draw(JSON, label="value")
        assume(value != original)
        (s / which).write_text(json.dumps(value))
        before = {k: v for k, v in snapshot(s).items() if k not in OUTPUTS}
        code, out, err = otgan_cli(["sweep", "collect", s])
        lines = err.strip().splitlines()
        assert "Traceback" not in out + err and len(lines) == 1 and which in lines[0], out + err
        assert code == (0 if which.startswith("shards") else 2), out + err
        after = {k: v for k, v in snapshot(s).items() if k not in OUTPUTS}
        assert differences(before, after) == []


@pytest.fixture(scope="module")
def killed_sweep(tmp_path_factory):
    """A sweep whose two shards were killed after their second checkpoint (shards/0000.pt and
    0000.prev.pt; runs/m0001/checkpoint.pt and checkpoint.prev.pt), and no result written."""
    from unittest import mock

    from otgan.rundir import RunDir
    from otgan.sweep.folder import SweepFolder
    from otgan.sweep.shard import run_shard

    class Killed(BaseException):
        pass

    out = tmp_path_factory.mktemp("killed") / "s"
    counts = {}

    def killing(original, key):
        def write(self, *args):
            original(self, *args)
            counts[key] = counts.get(key, 0) + 1
            if counts[key] == 2:
                raise Killed()
        return write

    with mock.patch.object(SweepFolder, "write_checkpoint",
                           killing(SweepFolder.write_checkpoint, "ensemble")):
        with pytest.raises(Killed):  # shard 0 trains first
            main([str(a) for a in SWEEP + [out]])
    with mock.patch.object(RunDir, "save_checkpoint", killing(RunDir.save_checkpoint, "run")):
        with pytest.raises(Killed):
            run_shard(out, 1)
    assert {p.name for p in (out / "shards").iterdir()} == {"0000.pt", "0000.prev.pt",
                                                            "0000.lock", "0001.lock"}
    assert (out / "runs" / "m0001" / PREVIOUS).is_file()
    return out


KILLED_FILES = ["shards/0000.pt", "shards/0000.prev.pt", "runs/m0001/checkpoint.pt",
                "runs/m0001/config.json"]
#: the cases of the default suite (each trains both shards to the end, about 2 s); the other
#: ten are `make test-slow`'s
KILLED_QUICK = {("shards/0000.pt", "truncated"), ("shards/0000.pt", "deleted"),
                ("shards/0000.prev.pt", "folder"), ("runs/m0001/checkpoint.pt", "emptied"),
                ("runs/m0001/config.json", "truncated"), ("runs/m0001/config.json", "folder")}


@pytest.mark.parametrize("name, how", [
    pytest.param(name, how, marks=() if (name, how) in KILLED_QUICK else pytest.mark.slow)
    for name in KILLED_FILES for how in DAMAGES])
def test_a_damaged_checkpoint_of_a_killed_sweep(name, how, killed_sweep, sweep_dir):
    """The last checkpoint damaged: set aside, the previous one continued from; the previous
    one damaged: unused, set aside only where it would be replaced; a plain run's config.json
    damaged: its folder set aside whole, the member trained again.  Every case ends with the
    uninterrupted sweep's results."""
    with sweep_copy(killed_sweep) as s:
        damage(s / name, how)
        before = snapshot(s)
        status, out, err = otgan_cli(SWEEP + [s])
        lines = err.strip().splitlines()
        assert "Traceback" not in out + err and status == 0, out + err
        silent = how == "deleted" and name.endswith(".pt") or \
            name.endswith("prev.pt") and how in ("truncated", "emptied")
        if silent:  # the previous checkpoint used, or a previous one replaced in rotation
            assert lines == [], err
        else:
            assert len(lines) == 1 and Path(name).name in lines[0], err
            assert "set aside as" in lines[0], err
        # a shard's checkpoints are of no use once its results are written, and a continued
        # run rotates its own: what else was there is kept
        consumed = {k for k in before if k.startswith("shards/0000") or k.startswith("runs/")}
        if not silent:
            consumed -= {k for k in before if k.startswith(name)}
        assert kept_or_set_aside(before, snapshot(s), consumed) == [], err
        assert "all 2 runs done" in out, out
        done = json.loads((s / "sweep.json").read_text())["members"]
        ref = json.loads((sweep_dir / "sweep.json").read_text())["members"]
        assert [m["w1"] for m in done] == [m["w1"] for m in ref]


# ============================================================================= 8. inputs
@pytest.fixture(scope="module")
def file_run(tmp_path_factory):
    """A run on a data file, and one on a toy set with a weights file (checkpoints at 10)."""
    d = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(0)
    np.save(d / "x.npy", rng.normal(size=(600, 2)).astype(np.float32))
    np.savetxt(d / "w.csv", rng.uniform(0.5, 1.5, 500), delimiter=",")
    for name, data in (("data", ["--data", d / "x.npy"]),
                       ("weights", ["--data", "ring", "--n-train", "500", "--data-weights",
                                    d / "w.csv"])):
        code, _, err = otgan_cli(["train", *data, *budget_without("steps"), "--steps", "10",
                                  "--checkpoint-every", "10", "--out", d / name])
        assert code == 0, err
    return d


def _rows_reversed(p: Path) -> None:
    if p.suffix == ".csv":
        p.write_text("\n".join(reversed(p.read_text().splitlines())) + "\n")
    else:
        np.save(p, np.load(p)[::-1].copy())


def _row_added(p: Path) -> None:
    if p.suffix == ".csv":
        p.write_text(p.read_text() + "1.0\n")
    else:
        np.save(p, np.concatenate([np.load(p), np.ones((1, 2), np.float32)]))


EDITS = {  # name: an edit of a file's contents (the same path)
    "one_byte": lambda p: p.write_bytes(p.read_bytes()[:-2] + bytes([p.read_bytes()[-2] ^ 1])
                                        + p.read_bytes()[-1:]),
    "row_added": _row_added,
    "same_size": _rows_reversed,  # the same rows in another order: the same size
}


@pytest.mark.parametrize("command", ["resume", "eval"])
@pytest.mark.parametrize("edit", list(EDITS))
@pytest.mark.parametrize("which", ["data", "weights"])
def test_an_input_edited_between_segments_is_refused_naming_it(which, edit, command, file_run):
    """An edited data or weights file: resume and eval refuse in one line naming it, writing
    nothing; the file touched (its contents unchanged) is the same input."""
    key, name = ("data", "x.npy") if which == "data" else ("data_weights", "w.csv")
    with tempfile.TemporaryDirectory(dir=file_run) as d:
        d = Path(d)
        f = d / name  # a copy of the input, and the run pointed at it (config and checkpoint)
        shutil.copy(file_run / name, f)
        shutil.copytree(file_run / which, d / "run")
        record = json.loads((d / "run" / "config.json").read_text())
        record["config"][key] = record["inputs"][key]["path"] = str(f)
        (d / "run" / "config.json").write_text(json.dumps(record))
        ckpt = torch.load(d / "run" / CHECKPOINT, weights_only=True)
        ckpt["config"][key] = str(f)
        torch.save(ckpt, d / "run" / CHECKPOINT)
        args = (["train", "--resume", d / "run", "--steps", "11", "--no-progress"]
                if command == "resume" else ["eval", d / "run", "--n", "100", "--metrics", "w1"])
        os.utime(f, (0, 0))
        code, _, err = otgan_cli(args)
        assert code == 0 and "Traceback" not in err, err
        EDITS[edit](f)
        assert f.read_bytes() != (file_run / name).read_bytes()
        refuses(args, f"{f} changed since the run read it", "--accept-changed-inputs",
                keep=[d / "run"])


# ============================================================================= 9. closed pipes
def closed_pipe(args, close, after=None, env=None, timeout=180):
    """``otgan ARGS`` in a fresh process whose ``close`` is a pipe that this test closes (at
    once, or once ``after`` has come through it): "stdout" or "stderr" (the other stream goes
    to a file), or "both" (one pipe for the two, as ``2>&1 | head``).  Python's default
    buffering (no PYTHONUNBUFFERED).  Returns (exit code, what came through the pipe, what
    the other stream got); fails if the process outlives ``timeout`` seconds."""
    import select
    import time

    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}, **(env or {})}
    with tempfile.TemporaryFile() as kept:
        p = subprocess.Popen(
            [sys.executable, "-m", "otgan", *map(str, args)], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if close in ("stdout", "both") else kept,
            stderr={"both": subprocess.STDOUT, "stderr": subprocess.PIPE}.get(close, kept),
            env=env)
        pipe = p.stderr if close == "stderr" else p.stdout
        seen, deadline = b"", time.time() + timeout
        while after is not None and after.encode() not in seen and time.time() < deadline:
            if select.select([pipe], [], [], 1.0)[0]:
                chunk = os.read(pipe.fileno(), 65536)
                if not chunk:
                    break
                seen += chunk
        pipe.close()
        try:
            code = p.wait(timeout=max(1.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            pytest.fail(f"otgan {' '.join(map(str, args))}: still running {timeout} s after its "
                        f"{close} closed; it printed: {seen[-2000:]!r}")
        kept.seek(0)
        return code, seen.decode(errors="replace"), kept.read().decode(errors="replace")


def stopped_by_the_pipe(code, seen, other, close):
    """Exit 141 (128 + SIGPIPE), no traceback anywhere, and where stderr stayed open, one line
    that says the output closed, last."""
    text = seen + other
    assert "Traceback" not in text and "Exception ignored" not in text, text
    assert code == 141, f"exit {code}: {text}"
    if close == "stdout":
        lines = [ln for ln in other.replace("\r", "\n").splitlines() if ln.strip()]
        said = [ln for ln in lines if ln.startswith("otgan: stopped")]
        assert len(said) == 1 and said[0] == lines[-1], other
        assert f"{close} closed" in said[0], said[0]
        return said[0]


def checkpoint_step(run) -> int:
    from otgan.rundir import RunDir

    return RunDir(run).load_checkpoint(quiet=True)["state"]["step"]


@pytest.mark.parametrize("close, after", [("both", "otgan: training"),
                                          pytest.param("stderr", None, marks=pytest.mark.slow),
                                          ("stdout", None)])
def test_train_whose_output_closes_stops_with_a_checkpoint_and_resumes(close, after, tmp_path):
    """`otgan train ... --progress 2>&1 | head -1`, and each stream alone: the training stops as
    SIGTERM stops it (a checkpoint, exit 141), and --resume continues; with only stdout closed
    (which training writes at its end) it trains to the end first."""
    (tmp_path / "mine.txt").write_text("precious")
    run = tmp_path / "run"
    steps = 30 if close == "stdout" else 100000
    budget = ["--steps", steps, "--eval-every", 10, "--eval-n", 200, "--metrics", "w1",
              "--no-tensorboard", "--progress", "--device", "cpu"]
    code, seen, other = closed_pipe(["train", "--data", "ring", *budget, "--out", run], close,
                                    after)
    line = stopped_by_the_pipe(code, seen, other, close)
    step = checkpoint_step(run)
    if close == "stdout":
        assert step == 30 and (run / "summary.json").is_file() and "step 30" not in line
    else:
        assert 0 <= step < 100000
    code, _, err = otgan_cli(["train", "--resume", run, "--steps", step + 2, "--no-progress"])
    assert code == 0, err
    assert checkpoint_step(run) == step + 2
    assert (tmp_path / "mine.txt").read_text() == "precious"


def test_first_use_classifier_training_whose_output_closes_stops(tmp_path):
    """The issue's case: `otgan train --data digits ... 2>&1 | head -3` with an empty classifier
    cache, which hung in the classifier's progress bar: the evaluation that trains the
    classifier is cut short, the checkpoint of its step saved, and --resume evaluates it
    first."""
    env = {"OTGAN_DATA": str(tmp_path / "cache")}
    run = tmp_path / "run"
    args = ["train", "--data", "digits", "--steps", 100000, "--eval-every", 2, "--batch-size",
            16, "--no-tensorboard", "--no-progress", "--device", "cpu", "--out", run]
    code, seen, _ = closed_pipe(args, "both", after="test accuracy", env=env)
    stopped_by_the_pipe(code, seen, "", "both")
    assert "training the digits classifier" in seen
    assert checkpoint_step(run) == 2
    assert not (tmp_path / "cache" / "classifiers").exists()  # cut short: nothing half-made
    p = subprocess.run([sys.executable, "-m", "otgan", "train", "--resume", str(run), "--steps", "3",
                        "--metrics", "w1", "--no-progress"], capture_output=True, text=True,
                       env={**os.environ, **env}, timeout=300)
    assert p.returncode == 0, p.stderr
    assert [r["step"] for r in map(json.loads, (run / "metrics.jsonl").read_text().splitlines())
            if r.get("eval")] == [2, 3]


@pytest.mark.parametrize("close", ["stdout", pytest.param("both", marks=pytest.mark.slow)])
def test_eval_whose_output_closes_is_one_line(close, run_dir, tmp_path):
    """eval writes eval.json, then prints: a closed stdout stops it there (exit 141, one line on
    stderr), every file of the run as it was but eval.json."""
    with run_copy(run_dir) as run:
        before = snapshot(run)
        code, seen, other = closed_pipe(["eval", run, "--n", 100, "--metrics", "w1"], close)
        stopped_by_the_pipe(code, seen, other, close)
        assert differences(before, snapshot(run), new_ok=True) == []
        assert json.loads((run / "eval.json").read_text())["w1"] > 0


def test_a_sweep_whose_output_closes_stops_and_the_same_command_finishes_it(tmp_path):
    """A sweep's progress bar into a pipe closed mid-run: it stops (exit 141) with its shard
    checkpoints, and the same command continues to the end."""
    out = tmp_path / "s"
    args = [*SWEEP[:SWEEP.index("--steps")], "--steps", "400",
            *SWEEP[SWEEP.index("--steps") + 2:SWEEP.index("--no-progress")], "--progress",
            "--out", out]
    code, seen, other = closed_pipe(args, "stderr", after="it/s")
    stopped_by_the_pipe(code, seen, other, "stderr")
    assert not (out / "shards" / "0001.json").exists()  # stopped before the end
    assert any((out / "shards").glob("*.pt")) or any((out / "runs").glob("*/checkpoint.pt"))
    code, _, err = otgan_cli(args[:-2] + ["--no-progress", "--out", out])
    assert code == 0 and "Traceback" not in err, err
    assert sorted(p.name for p in (out / "shards").glob("*.json")) == ["0000.json", "0001.json"]


def _mnist_idx(folder: Path) -> Path | None:
    """The four MNIST IDX files, written from the local cache (None where there is none)."""
    from otgan.data.images import IDX_FILES, data_home

    cache = next((c for c in (data_home() / "mnist.npz",
                              Path.home() / ".cache" / "otgan" / "mnist.npz") if c.is_file()),
                 None)
    if cache is None:
        return None
    folder.mkdir()
    with np.load(cache) as z:
        for stem, key in zip(IDX_FILES, ("x_train", "y_train", "x_test", "y_test")):
            a = np.ascontiguousarray(z[key], dtype=np.uint8)
            head = bytes([0, 0, 8, a.ndim]) + b"".join(d.to_bytes(4, "big") for d in a.shape)
            (folder / stem).write_bytes(head + a.tobytes())
    return folder


@pytest.mark.parametrize("close", [pytest.param("stdout", marks=pytest.mark.slow), "both"])
def test_data_fetch_whose_output_closes_stops_and_runs_again(close, tmp_path):
    """`otgan data fetch mnist --source DIR` (what works offline): with its output closed it
    stops (exit 141) without a half-written cache, and runs again to the end."""
    idx = _mnist_idx(tmp_path / "idx")
    if idx is None:
        pytest.skip("needs the MNIST cache (otgan data fetch mnist)")
    env = {"OTGAN_DATA": str(tmp_path / "home")}
    args = ["data", "fetch", "mnist", "--source", idx]
    code, seen, other = closed_pipe(args, close, env=env)
    stopped_by_the_pipe(code, seen, other, close)
    cache = tmp_path / "home" / "mnist.npz"
    assert not cache.exists() or np.load(cache)["x_train"].shape == (60000, 28, 28)
    assert not [p for p in (tmp_path / "home").glob(".*")] if cache.parent.exists() else True
    p = subprocess.run([sys.executable, "-m", "otgan", *map(str, args)], capture_output=True,
                       text=True, env={**os.environ, **env}, timeout=300)
    assert p.returncode == 0 and p.stdout.strip() == f"mnist: {cache}", p.stderr
