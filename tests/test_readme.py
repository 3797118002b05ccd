"""README's commands and Python snippet run in the order written, in a fresh folder (opt-in:
7.5 minutes on 2 cores; `make test-slow`)."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks(after: str, lang: str = "") -> list[str]:
    """The first fenced block of ``lang`` after the heading ``after``."""
    text = README.read_text()
    section = text[text.index(after):]
    return re.findall(rf"```{lang}\n(.*?)```", section, re.S)[:1]


def test_readme_blocks_are_found():
    (commands,) = blocks("## Command line")
    (snippet,) = blocks("## Python API", "python")
    assert commands.startswith("otgan ") and "\notgan train" in commands
    assert "import otgan" in snippet


@pytest.mark.slow
def test_readme_commands_and_snippet_run_in_order(tmp_path):
    env = dict(os.environ, OTGAN_DATA=str(tmp_path / "data"))
    (commands,) = blocks("## Command line")
    for line in commands.splitlines():
        args = shlex.split(line, comments=True)
        assert args[0] == "otgan", line
        out = subprocess.run([sys.executable, "-m", "otgan", *args[1:], "--no-progress"]
                             if args[1] in ("train", "solve", "sweep", "critic")
                             and "--help" not in args else
                             [sys.executable, "-m", "otgan", *args[1:]],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
        assert out.returncode == 0, (line, out.stderr[-2000:])
    (snippet,) = blocks("## Python API", "python")
    out = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    for made in ("runs/ring/report.html", "samples.npy", "compare.html", "grid.png",
                 "sol/solution.json", "sweep/sweep.html", "crit/critic.json",
                 "runs/ring-api/checkpoint.pt"):
        assert (tmp_path / made).is_file(), made
