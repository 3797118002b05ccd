"""The benchmarks' pieces: published rows as printed, statistics over seeds, configurations,
and a tiny mixtures benchmark end to end (resumed, outputs written)."""

import json
import math

import pytest

from otgan.benchmark.published import published
from otgan.benchmark.runs import Budget, mean_se, parse_configs
from otgan.errors import ConfigError


def test_published_rows_are_the_printed_numbers():
    rows = {r["method"]: r for r in published("mixtures")}
    assert rows["PacGAN4"]["8gaussians"] == {"modes": 7.8, "high_quality_pct": 95.9}
    assert rows["PacGAN4"]["25gaussians"] == {"modes": 24.8, "high_quality_pct": 93.6}
    assert rows["PacGAN3"]["8gaussians"]["high_quality_pct"] == 97.7
    assert rows["ALI"]["25gaussians"] == {"modes": 24.1, "high_quality_pct": 95.7}
    assert rows["GDPP"]["8gaussians"] == {"modes": 8.0, "high_quality_pct": 71.7}
    assert rows["WGAN-GP"]["25gaussians"] == {"modes": 24.2, "high_quality_pct": 28.7}
    assert rows["VEEGAN"]["25gaussians"] == {"modes": 24.6, "high_quality_pct": 40}
    for r in published("mixtures") + published("stacked-mnist"):
        assert r["paper"] and r["table"]
    stacked = {(r["method"], r["table"]): r for r in published("stacked-mnist")}
    assert [(r["modes"], r["kl"]) for r in published("stacked-mnist")] == \
        [(1000, 0.06), (995, 0.148), (99, None), (427, None)]
    assert len(stacked) == 4


def test_mean_and_standard_error():
    assert mean_se([1.0, 3.0]) == (2.0, 1.0)  # sd sqrt(2), / sqrt(2)
    m, se = mean_se([8, 8, 8, 7])
    assert m == 7.75 and se == pytest.approx(0.5 / math.sqrt(4))
    assert mean_se([5]) == (5.0, None) and mean_se([None]) == (None, None)


def test_configurations_and_budget():
    assert parse_configs(["wgan-gp", "sngan:paper"], ["default", "paper"]) == [
        ("wgan-gp", "default"), ("wgan-gp", "paper"), ("sngan", "paper")]
    with pytest.raises(ConfigError):
        parse_configs([])
    assert Budget(seconds=60).fields() == (10 ** 9, {"time_limit": 60.0})
    assert Budget(steps=500).fields() == (500, {})
    with pytest.raises(ConfigError):
        Budget()


def test_a_tiny_mixtures_benchmark_end_to_end(tmp_path, monkeypatch):
    import otgan.benchmark.mixtures as mixtures
    from otgan.benchmark import run_mixtures
    from otgan.training.refine import Refinement

    monkeypatch.setattr(mixtures, "N_SAMPLES", 400)  # the protocol's 2500: exact W1 is slower

    out = tmp_path / "bench"
    kw = dict(seeds=2, steps=5, seconds=None, workers=1, out=out, say=lambda m: None,
              refine={"dot": Refinement(steps=3)}, extra={"batch_size": 32, "n_train": 2000})
    result = run_mixtures(["wgan-gp"], sets=("8gaussians",), **kw)
    plain = [m for m in result["members"] if m["variant"] == "plain"]
    assert [m["seed"] for m in plain] == [0, 1] and all(m["steps"] == 5 for m in plain)
    row = next(r for r in result["rows"] if r["variant"] == "plain")
    s = row["stats"]["8gaussians"]
    assert s["seeds"] == 2 and s["modes_total"] == 8
    assert s["modes_covered"][0] == sum(m["modes_covered"] for m in plain) / 2
    saved = json.loads((out / "benchmark.json").read_text())
    assert "points" not in saved["members"][0] and saved["published"] == published("mixtures")
    table = (out / "table.md").read_text()
    assert "wgan-gp (default) + dot" in table and "PacGAN3" in table
    assert (out / "samples.png").stat().st_size > 1000
    again = run_mixtures(["wgan-gp"], sets=("8gaussians",), **kw)  # resumed: nothing trained
    assert [m["high_quality_pct"] for m in again["members"]] == \
        [m["high_quality_pct"] for m in result["members"]]
    grown = run_mixtures(["wgan-gp"], sets=("8gaussians",), **dict(kw, seeds=3))
    plain3 = [m for m in grown["members"] if m["variant"] == "plain"]
    assert [m["seed"] for m in plain3] == [0, 1, 2]  # the folder takes a third seed in place
    assert [m["high_quality_pct"] for m in grown["members"] if m["seed"] < 2] == \
        [m["high_quality_pct"] for m in result["members"]]  # the first two not trained again
    assert next(r for r in grown["rows"] if r["variant"] == "plain")["stats"]["8gaussians"][
        "seeds"] == 3


def test_rejection_is_read_for_density_ratio_discriminators_only(tmp_path, monkeypatch):
    import otgan.benchmark.mixtures as mixtures
    from otgan.benchmark import run_mixtures
    from otgan.training.reject import Rejection

    monkeypatch.setattr(mixtures, "N_SAMPLES", 300)
    result = run_mixtures(["gan-r1", "wgan-gp"], sets=("8gaussians",), seeds=1, steps=5,
                          seconds=None, workers=1, out=tmp_path / "b", say=lambda m: None,
                          refine={"drs": Rejection(burn_in=300)},
                          extra={"batch_size": 32, "n_train": 2000})
    variants = sorted((m["method"], m["variant"]) for m in result["members"])
    assert variants == [("gan-r1", "drs"), ("gan-r1", "plain"), ("wgan-gp", "plain")]
    drs = next(m for m in result["members"] if m["variant"] == "drs")
    assert drs["points"].shape == (300, 2)
    assert "gan-r1 (default) + drs" in result["table"]


def test_stacked_table_sets_each_reading_beside_its_plain_row():
    from otgan.benchmark.stacked import stacked_table

    ceiling = {"real_modes": 1000, "real_kl": 0.024, "classifier_test_accuracy": 0.9924,
               "triple_accuracy": 0.9763}
    row = dict(method="gan-r1", preset="images", seeds=2, steps=100.0, train_seconds=9.0)
    rows = [dict(row, variant="plain", modes=(990.0, 2.0), kl=(0.5, 0.01), kl_digits=(0.3, None)),
            dict(row, variant="drs", modes=(980.0, 4.0), kl=(0.45, 0.02), kl_digits=(0.2, 0.01))]
    text = stacked_table({"ceiling": ceiling, "rows": rows, "budget": "100 updates",
                          "published": published("stacked-mnist")})
    lines = text.splitlines()
    assert lines[2].startswith("| gan-r1 (images) | 990.0 ± 2.0 | 0.500 ± 0.010 | 0.300 | 2 |")
    assert lines[3].startswith("| gan-r1 (images) + drs | 980.0 ± 4.0 | 0.450 ± 0.020 | "
                               "0.200 ± 0.010 | 2 |")
    assert "+ drs: 26000 samples kept by discriminator rejection sampling" in text
    plain = stacked_table({"ceiling": ceiling, "rows": rows[:1], "budget": "100 updates",
                           "published": []})
    assert "+ drs" not in plain and "PacDCGAN2" in text


@pytest.mark.slow
def test_a_tiny_stacked_mnist_benchmark_reads_rejection_where_it_applies(tmp_path):
    """Two configurations of 3 updates: the curve's end, the 26000 samples kept by rejection
    for the density-ratio discriminator only, read as the metric reads (modes of 1000, KL in
    [0, log 1000])."""
    import math

    from otgan.benchmark.stacked import run_stacked_mnist
    from otgan.training.reject import Rejection

    result = run_stacked_mnist(["gan-r1", "wgan-gp"], seeds=1, steps=3, seconds=None,
                               eval_every=3, workers=1, out=tmp_path / "b",
                               readings={"drs": Rejection(burn_in=300)},
                               say=lambda m: None, extra={"batch_size": 16})
    rows = {(r["method"], r["variant"]): r for r in result["rows"]}
    assert sorted(rows) == [("gan-r1", "drs"), ("gan-r1", "plain"), ("wgan-gp", "plain")]
    for r in rows.values():
        assert 1 <= r["modes"][0] <= 1000 and 0 <= r["kl"][0] <= math.log(1000) + 1e-9
        assert r["steps"] == 3 and 0 <= r["kl_digits"][0] <= r["kl"][0] + 1e-9
    drs = next(m for m in result["members"] if m["method"] == "gan-r1")["readings"]["drs"]
    assert 0 < drs["acceptance"] <= 1
    saved = json.loads((tmp_path / "b" / "benchmark.json").read_text())
    assert saved["readings"] == {"drs": {"burn_in": 300, "max_draws": 1000, "chunk": 4096}}
