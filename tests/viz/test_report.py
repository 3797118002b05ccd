"""Reports: self-contained pages built from run folders alone."""

import re

import numpy as np
import pytest

import otgan
from otgan.cli import main
from otgan.viz.report import write_compare, write_report
from tests.conftest import quick_config


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("rep")
    otgan.train(quick_config(eval_every=10), out=root / "gp")
    otgan.train(quick_config(method="wgan-clip", eval_every=10), out=root / "clip")
    return root


def test_report_is_self_contained(two_runs):
    page = (two_runs / "gp" / "report.html").read_text()
    assert page.index("Summary") < page.index("<img")  # summary table first
    assert "exact W1 to held-out" in page
    assert len(re.findall(r'src="data:image/(?:png|gif);base64,', page)) >= 3
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing fetched from elsewhere
    assert (two_runs / "gp" / "training.gif").read_bytes()[:6] == b"GIF89a"


def test_report_can_be_rewritten_and_compare_puts_runs_side_by_side(two_runs, tmp_path):
    assert write_report(two_runs / "gp").is_file()
    out = write_compare([two_runs / "gp", two_runs / "clip"], tmp_path / "c.html")
    page = out.read_text()
    assert ">gp<" in page and ">clip<" in page and "wgan-clip" in page


def test_eval_command_writes_eval_json(two_runs, capsys):
    import json

    with pytest.raises(SystemExit) as e:
        main(["eval", str(two_runs / "gp"), "--n", "300"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "w1" in out and "w1_floor" in out
    data = json.loads((two_runs / "gp" / "eval.json").read_text())
    assert data["eval_n"] == 300
    for key in ("w1", "w2", "sliced_w2", "energy", "critic_gap", "w_estimate", "lip_mean", "w1_floor"):
        assert np.isfinite(data[key]), key


def test_semidiscrete_report_animates_the_laguerre_cells(tmp_path):
    from PIL import Image

    otgan.train(quick_config(method="sd-wgan", n_train=300, eval_every=5, steps=10),
                out=tmp_path / "sd")
    page = (tmp_path / "sd" / "report.html").read_text()
    assert "Laguerre cells" in page
    with Image.open(tmp_path / "sd" / "training.gif") as gif:
        assert gif.n_frames == 2  # one frame per evaluation
        w, h = gif.size
        assert w > 1.6 * h  # critic and cells side by side
