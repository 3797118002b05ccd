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

    otgan.train(quick_config(method="sd-wgan", n_train=300, eval_every=5, steps=10, metrics="w1"),
                out=tmp_path / "sd")
    page = (tmp_path / "sd" / "report.html").read_text()
    assert "Laguerre cells" in page
    with Image.open(tmp_path / "sd" / "training.gif") as gif:
        assert gif.n_frames == 2  # one frame per evaluation
        w, h = gif.size
        assert w > 1.6 * h  # critic and cells side by side


@pytest.fixture(scope="module")
def digit_runs(shared_data_home, tmp_path_factory):
    """Two tiny image runs on scikit-learn's digits, with the classifier metrics."""
    root = tmp_path_factory.mktemp("img")
    for name, method in (("gp", "wgan-gp"), ("clip", "wgan-clip")):
        otgan.train(data="digits", method=method, steps=2, batch_size=16, eval_every=0,
                    log_every=1, latent_dim=8, eval_n=200, out=root / name)
    return root


def _row(key):
    from otgan.metrics import report_rows

    return next(r for r in report_rows() if r.key == key)


IMAGE_KEYS = ("fid", "kid", "precision", "recall", "classes_covered", "confidence")


def test_image_run_report_shows_the_image_metrics_of_summary_json(digit_runs):
    import html
    import json

    summary = json.loads((digit_runs / "gp" / "summary.json").read_text())
    page = write_report(digit_runs / "gp").read_text()
    table = page[page.index("<table>"):page.index("</table>")]
    for key in IMAGE_KEYS:
        row = _row(key)
        assert isinstance(summary[key], (int, float)), key
        cell = f'<th>{html.escape(row.label)}</th><td class="num">{row.fmt.format(summary[key])}<'
        assert cell in table, key
    assert "modes covered" not in table  # toy-only metrics are not listed as n/a
    assert "Samples and critic" not in page  # an image run has no critic level sets


def test_compare_of_image_runs_shows_their_grids_and_metrics(digit_runs, tmp_path):
    import base64
    import html
    import json

    from otgan.viz.snapshots import image_grids

    out = write_compare([digit_runs / "gp", digit_runs / "clip"], tmp_path / "c.html")
    page = out.read_text()
    assert "Critics and samples" not in page  # no blank 2D panels
    for name in ("gp", "clip"):
        m = re.search(rf'<img alt="{name}: generated samples" src="data:image/png;base64,'
                      rf'([^"]+)"', page)
        assert m, name
        last = image_grids(digit_runs / name)[-1][1]
        assert base64.b64decode(m.group(1)) == last.read_bytes()
    a, b = (json.loads((digit_runs / n / "summary.json").read_text()) for n in ("gp", "clip"))
    for key in IMAGE_KEYS:
        row = _row(key)
        assert (f'<th>{html.escape(row.label)}</th><td class="num">{row.fmt.format(a[key])}</td>'
                f'<td class="num">{row.fmt.format(b[key])}</td>') in page, key


def test_compare_of_a_toy_and_an_image_run_draws_each_its_own_way(two_runs, digit_runs, tmp_path):
    page = write_compare([two_runs / "clip", digit_runs / "gp"], tmp_path / "c.html").read_text()
    assert "Critics and samples" in page and "Generated samples" in page
    assert len(re.findall(r'<img alt="[^"]*: generated samples"', page)) == 1
    assert 'alt="gp: generated samples"' in page  # the image run, not the toy one
