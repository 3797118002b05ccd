"""Evaluation during training: records, background solving, snapshots, TensorBoard."""

import pytest

import otgan
from tests.conftest import quick_config


def evals(run):
    return [r for r in run.history if r.get("eval")]


def test_background_and_synchronous_evaluation_agree(tmp_path):
    a = otgan.train(quick_config(eval_every=10, eval_background=True, data="8gaussians"),
                    out=tmp_path / "a")
    b = otgan.train(quick_config(eval_every=10, eval_background=False, data="8gaussians"),
                    out=tmp_path / "b")
    ea, eb = evals(a), evals(b)
    assert [r["step"] for r in ea] == [10, 20]
    for ra, rb in zip(ea, eb):
        for key in ("w1", "w2", "critic_gap", "w_estimate", "w_ratio", "lip_max",
                    "modes_covered"):
            assert ra[key] == pytest.approx(rb[key], rel=1e-9), key


def test_eval_records_and_summary(tmp_path):
    import json

    run = otgan.train(quick_config(eval_every=10), out=tmp_path / "r")
    rec = evals(run)[-1]
    assert rec["w_ratio"] == pytest.approx(rec["w_estimate"] / rec["w1"])
    assert rec["w_estimate"] == pytest.approx(rec["w_critic_gap"] / rec["w_critic_slope"])
    assert "modes_covered" not in rec  # the ring has no modes
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["w1"] == rec["w1"] and summary["steps"] == 20
    assert 0.02 < summary["w1_floor"] < 0.12  # 500 vs 500 held-out points of the ring
    assert summary["eval_overhead_pct"] >= 0
    snaps = sorted(p.name for p in (tmp_path / "r" / "snapshots").iterdir())
    assert snaps == ["heldout.npy", "step_00000010.npz", "step_00000020.npz"]
    assert any((tmp_path / "r" / "tensorboard").iterdir())


def test_unknown_metric_is_a_config_error():
    from otgan.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown metric 'fidd'"):
        quick_config(metrics="w1,fidd")
