"""`otgan figure --list` names every figure of the course, one line each; a misspelt name is
one line and exit status 2."""

import pytest

from otgan.cli import main
from otgan.figures import FIGURES

COURSE = ("js-vs-w", "laguerre", "clip-vs-gp", "unit-gradient", "power-iteration",
          "optimal-discriminator", "asgd-rate", "mode-collapse")


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        main(args)
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_list_names_every_figure(capsys):
    assert set(COURSE) <= set(FIGURES)
    code, out, _ = run_cli(["figure", "--list"], capsys)
    assert code in (0, None)
    assert [line.split()[0] for line in out.splitlines()] == list(FIGURES)


def test_unknown_figure_is_one_line_and_exit_2(tmp_path, capsys):
    code, out, err = run_cli(["figure", "laguere", "--out", str(tmp_path / "f")], capsys)
    assert code == 2
    assert "did you mean 'laguerre'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "f").exists()
