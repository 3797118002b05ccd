"""The job scripts in jobs/ (no cluster needed): shell that parses, the otgan options they pass
accepted by otgan, what preemption needs from them, and quoted whole in docs/distributed.md
(tests/cluster/test_slurm.py submits them to a real SLURM)."""

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from otgan.cli import cli
from otgan.config import FIELDS, resolve

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "jobs").glob("*.sbatch"))


def test_there_are_the_two_job_scripts():
    assert [p.name for p in SCRIPTS] == ["torchrun.sbatch", "train.sbatch"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_shell_parses(script):
    r = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def otgan_arguments(script: Path) -> list[str]:
    """The arguments the script passes to `otgan train`, its variables given sample values."""
    text = script.read_text().replace("\\\n", " ")
    line = next(ln for ln in text.splitlines() if "otgan train" in ln and not ln.startswith("#"))
    words = shlex.split(line.split("otgan train", 1)[1])
    values = {"$SLURM_JOB_NAME": "job", "$SLURM_CPUS_PER_TASK": "1", "$@": ""}
    for var, value in values.items():
        words = [w.replace(var, value) for w in words]
    assert not [w for w in words if "$" in w], words
    return [w for w in words if w]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_otgan_accepts_the_options(script):
    args = otgan_arguments(script)
    ctx = cli.commands["train"].make_context("train", list(args))  # parses, runs nothing
    fields = {k: v for k, v in ctx.params.items() if k in FIELDS and v is not None}
    cfg = resolve(fields)  # every value checked as `otgan train` checks it
    assert cfg.data == "ring" and cfg.threads == 1 and ctx.params["out"] == "runs/job"
    # "$@" comes last: options given to sbatch after the script win over the script's own
    assert script.read_text().rstrip().endswith('"$@"')


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_what_preemption_needs(script):
    """SLURM starts a requeued job's script again: --requeue; the log of both segments kept:
    --open-mode=append; the run folder named by something a requeue keeps (the job's name);
    train.sbatch runs otgan as the batch step's process itself (exec), so SLURM's SIGTERM
    reaches otgan, which saves a checkpoint before SLURM's SIGKILL."""
    text = script.read_text()
    directives = re.findall(r"^#SBATCH (\S+)", text, flags=re.M)
    assert "--requeue" in directives and "--open-mode=append" in directives
    assert '--out "runs/$SLURM_JOB_NAME"' in text
    if script.name == "train.sbatch":
        assert "\nexec otgan train " in text


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_quoted_whole_in_the_docs(script):
    doc = (ROOT / "docs" / "distributed.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", doc, flags=re.S)
    assert script.read_text() in blocks, f"docs/distributed.md does not quote jobs/{script.name}"
