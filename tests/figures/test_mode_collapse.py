"""Mode collapse on its numbers: the same GAN (the lecture's minimax loss, digits, lr 1e-2)
covers the ten classes with Adam and collapses onto one digit-like image with SGD."""

import pytest
import torch

from otgan.figures.mode_collapse import diversity, nearest_distance, verdict


def test_diversity_and_nearest_distance_known_answers():
    x = torch.zeros(5, 1, 2, 2)
    assert diversity(x) == 0.0  # one image repeated: total collapse
    y = torch.stack([torch.zeros(1, 2, 2), torch.ones(1, 2, 2)])
    assert diversity(y) == pytest.approx(2.0)  # |1 - 0| over 4 pixels
    assert nearest_distance(y, y) == 0.0
    assert nearest_distance(torch.full((1, 1, 2, 2), 3.0), y) == pytest.approx(4.0)


def test_verdicts():
    assert verdict(1, 0.1, 0.9) == "collapsed"
    assert verdict(10, 1.0, 1.3) == "not collapsed"
    assert verdict(3, 0.1, 2.9).startswith("not learned")  # grey noise is not collapse


@pytest.mark.slow
def test_sgd_collapses_where_adam_covers_the_classes(shared_data_home, tmp_path):
    from otgan.figures import make_figure

    n = make_figure("mode-collapse", tmp_path, quick=True)
    assert (tmp_path / "mode-collapse.png").is_file()
    adam, sgd = n["runs"]["Adam, lr 1e-2"], n["runs"]["SGD, lr 1e-2"]
    assert sgd["verdict"] == "collapsed" and n["collapse_shown"]
    assert sgd["classes_covered"] <= 2 and sgd["diversity_ratio"] < 0.3
    assert adam["verdict"] == "not collapsed"
    assert adam["classes_covered"] >= 8 and adam["diversity_ratio"] > 0.6
