"""The sweep runner: validation before training, tables and files, workers."""

import numpy as np
import pytest
import torch

from otgan.errors import ConfigError
from otgan.sweep.collect import summarize, write_outputs
from otgan.sweep.runner import run_sweep

BASE = dict(data="ring", n_train=2000, n_test=2000, eval_every=0, log_every=10**9)


def test_bad_member_value_fails_before_training():
    with pytest.raises(ConfigError, match="clip"):
        run_sweep(dict(BASE, method="wgan-clip"), {"clip": [0.01, -1.0]}, 1, 5, workers=1)


def test_sweep_table_and_files(tmp_path):
    result = run_sweep(dict(BASE, method="wgan-clip"), {"clip": [0.01, 0.05]}, seeds=2, steps=5,
                       workers=1, eval_n=500)
    assert len(result["members"]) == 4
    table = summarize(result)
    for row in table:
        w = [m["w1"] for m in result["members"] if m["point"] == row["point"]]
        assert row["stats"]["w1"][0] == pytest.approx(np.mean(w))
        assert row["stats"]["w1"][1] == pytest.approx(np.std(w))
    page = write_outputs(result, tmp_path)
    for f in ("sweep.json", "table.md", "heatmaps.png", "samples.png", "sweep.html"):
        assert (tmp_path / f).is_file(), f
    assert "Heatmaps" in page.read_text()


def test_two_workers_give_the_results_of_one():
    """The second worker is a forked (Linux) or spawned process; splitting the members across
    processes, into smaller ensembles, changes no member's result beyond float rounding."""
    base, grid = dict(BASE, method="wgan-gp", ema=0.0), {"gp_lambda": [0.1, 1.0, 10.0]}
    threads = torch.get_num_threads()
    one = run_sweep(base, grid, seeds=1, steps=4, workers=1, eval_n=500)
    two = run_sweep(base, grid, seeds=1, steps=4, workers=2, eval_n=500)
    assert sorted({m["worker"] for m in two["members"]}) == [0, 1]
    for a, b in zip(one["members"], two["members"]):
        assert a["point"] == b["point"]
        assert a["w1"] == pytest.approx(b["w1"], rel=1e-5)
        np.testing.assert_allclose(a["samples"], b["samples"], atol=1e-5)
    assert torch.get_num_threads() == threads  # the caller's thread setting is restored


def test_sweeps_of_one_shard_each_share_the_workers(tmp_path):
    """Several sweep folders trained together (run_sweeps, as the benchmarks do): their shards
    are dealt to one pool, so two one-seed sweeps train side by side in two processes, and
    each folder holds what the same sweep trained alone holds; a second call trains nothing."""
    from otgan.sweep.runner import run_sweeps

    def sweep(method, out):
        return dict(base=dict(BASE, method=method, ema=0.0), grid={"method": [method]}, seeds=1, steps=4, eval_n=500,
                    out=out, batch=False)

    together = run_sweeps([sweep("wgan-gp", tmp_path / "a"), sweep("sd-wgan", tmp_path / "b")],
                          workers=2)
    assert sorted(r["members"][0]["worker"] for r in together) == [0, 1]
    alone = run_sweeps([sweep("sd-wgan", tmp_path / "c")], workers=1)[0]
    assert together[1]["members"][0]["w1"] == pytest.approx(alone["members"][0]["w1"],
                                                            rel=1e-5)
    again = run_sweeps([sweep("wgan-gp", tmp_path / "a"), sweep("sd-wgan", tmp_path / "b")],
                       workers=2)
    assert [r["members"][0]["w1"] for r in again] == [r["members"][0]["w1"] for r in together]
