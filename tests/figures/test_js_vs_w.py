"""JS beside W, on its numbers: JS = log 2 wherever the supports are disjoint, the critic's
estimate of W1 equal to the exact value, and the ring's JS estimate a lower bound of the true
JS (computed by Monte Carlo from the ring's density)."""

import json
import math

import pytest

from otgan.figures import make_figure
from otgan.figures.js_vs_w import ring_js


@pytest.fixture(scope="module")
def numbers(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig")
    n = make_figure("js-vs-w", out, quick=True)
    assert (out / "js-vs-w.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "js-vs-w.json").read_text()) == json.loads(json.dumps(n))
    return n


def test_js_saturates_at_log_2_on_disjoint_segments_while_w_grows(numbers):
    for row in numbers["segments"]:
        if row["distance"] > 0:  # disjoint supports
            assert row["js_estimate"] == pytest.approx(math.log(2), rel=0.02), row
            assert row["w_estimate"] == pytest.approx(row["distance"], rel=0.1), row
        else:
            assert abs(row["js_estimate"]) < 0.01 and abs(row["w_estimate"]) < 0.01


def test_ring_estimates_against_exact_values(numbers):
    for row in numbers["ring"]:
        assert row["w1"] == pytest.approx(row["distance"], abs=1e-6)
        if row["distance"] > 0:
            assert row["w_estimate"] == pytest.approx(row["w1"], rel=0.1), row
            # a discriminator short of the optimum gives a lower bound of JS
            assert 0.8 * row["js_true"] <= row["js_estimate"] <= row["js_true"] + 0.01, row


def test_monte_carlo_js_of_the_ring():
    assert ring_js(0.0) == pytest.approx(0.0, abs=1e-12)
    # rings 4 radii apart: the densities' overlap is nil, JS = log 2
    assert ring_js(4.0) == pytest.approx(math.log(2), abs=1e-6)
