"""The metric registry: what applies to which data, defaults, timing, derived values, rows."""

import pytest
import torch

from otgan.metrics import (METRICS, REGISTRY, DataTraits, EvalContext, check_names, compute, merge,
                           metric_names, report_rows)


def test_applicability_and_defaults_per_kind_of_data():
    points, mixture = DataTraits(), DataTraits(modes=True)
    digits = DataTraits(image=True, labels=True)
    assert metric_names(points, default_only=True) == ("w1", "w2", "critic", "lipschitz")
    assert metric_names(mixture, default_only=True) == ("w1", "w2", "critic", "lipschitz",
                                                        "modes")
    assert metric_names(digits, default_only=True) == ("w1", "sliced", "critic", "fid", "kid",
                                                       "pr", "classes")
    assert "fid" not in metric_names(points) and "energy" in metric_names(points)
    assert "modes" not in metric_names(digits)


def test_background_metrics_read_only_point_clouds():
    assert {m.name for m in METRICS.values() if m.background} == {"w1", "w2", "sliced",
                                                                  "energy"}


def test_compute_times_each_metric_and_derives_the_ratio_once():
    fake = torch.randn(300, 2)
    real = fake + torch.tensor([0.3, -0.4])
    critic = torch.nn.Linear(2, 1)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[0.6, -0.8]]))
    ctx = EvalContext(fake=fake, real=real, critic=critic)
    first = compute(["critic"], ctx)
    assert "w_ratio" not in first  # W1 unknown yet
    second = compute(["w1"], ctx)  # as the background thread does
    assert second["w_ratio"] == pytest.approx(1.0, abs=1e-5)
    record = merge(merge({}, first), second)
    assert set(record["metric_seconds"]) == {"critic", "w1"}
    assert all(v >= 0 for v in record["metric_seconds"].values())


def test_every_metric_has_report_rows_and_unknown_names_are_refused():
    assert all(m.rows for m in METRICS.values()) and set(REGISTRY) == set(METRICS)
    keys = [r.key for r in report_rows()]
    assert {"w1", "fid", "kid", "precision", "recall", "classes_covered", "confidence"} <= set(keys)
    from otgan.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown metric 'fidd'"):
        check_names(["fidd"])
