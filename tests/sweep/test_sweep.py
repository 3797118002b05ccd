import numpy as np
import pytest
import torch

from otgan import api
from otgan.errors import ConfigError
from otgan.sweep.ensemble import Ensemble
from otgan.sweep.grid import expand, parse_grid, parse_sets
from otgan.sweep.runner import run_sweep, summarize, write_sweep
from otgan.training.loop import train_loop
from otgan.training.build import start_run
from otgan.training.datasets import dataset_for

BASE = dict(data="ring", n_train=2000, n_test=2000, eval_every=0, log_every=10**9)


def single_generator_weights(cfg, ds):
    run = start_run(cfg, ds)
    train_loop(run.state, run.method, cfg, progress=False)
    g = run.ema.module if run.ema is not None else run.generator
    return [p.detach() for m in g.modules() if isinstance(m, torch.nn.Linear)
            for p in (m.weight, m.bias)]


# Rounding differences between the batched and the single update grow with the learning rate
# (Adam divides by sqrt(v), small for near-zero gradients): the tolerances hold at lr 1e-3.
LR = dict(lr_g=1e-3, lr_d=1e-3)


@pytest.mark.parametrize("method, members, tol", [
    ("wgan-clip", [dict(clip=0.01, lr_g=5e-5, lr_d=5e-5), dict(clip=0.05, seed=3)], 1e-6),
    ("wgan-gp", [dict(gp_lambda=0.1, **LR), dict(gp_lambda=1.0, seed=1, ema=0.0, **LR)], 1e-5),
    ("wgan-clip", [dict(optimizer="adam", d_optimizer="rmsprop", beta1=0.0, **LR),
                   dict(optimizer="adam", d_optimizer="rmsprop", clip=0.05, seed=3, **LR)], 1e-5),
    ("wgan-lp", [dict(LR), dict(beta1=0.0, beta2=0.99, **LR)], 1e-5),
    ("sngan", [dict(), dict(seed=2, lr_d=1e-3)], 1e-3),
    ("gan", [dict(), dict(lr_d=1e-4)], 1e-5),
    ("gan-ns", [dict(), dict(seed=5)], 1e-5),
])
def test_each_member_equals_its_single_run(method, members, tol):
    """Members differing in lr, betas, clip, lambda, EMA and seed end where the same config
    trained alone ends (measured differences: 4e-9 to 3e-7; sngan, whose normalization divides by
    a power-iteration estimate, 1.5e-4 after 30 updates)."""
    steps = 20
    cfgs = [api.make_config(None, None, dict(BASE, method=method, steps=steps, **m))
            for m in members]
    ds = dataset_for(cfgs[0])
    ens = Ensemble(cfgs, ds)
    ens.train(steps)
    for k, cfg in enumerate(cfgs):
        alone = single_generator_weights(cfg, ds)
        batched = ens.member_state(k)["generator"]
        err = max(float((a - b).abs().max()) for a, b in zip(alone, batched))
        assert err < tol, (k, err)
    # members really differ (the test would pass trivially otherwise)
    a, b = ens.member_state(0)["generator"][0], ens.member_state(1)["generator"][0]
    assert not torch.allclose(a, b)


def test_members_with_different_programs_are_refused():
    cfgs = [api.make_config(None, None, dict(BASE, method="wgan-gp", batch_size=b))
            for b in (64, 128)]
    with pytest.raises(ConfigError, match="batch_size"):
        Ensemble(cfgs, dataset_for(cfgs[0]))


def test_parse_sets_expands_lr_and_converts_values():
    assert parse_sets(["lr=1e-3", "n-critic = 2"]) == {"lr_g": 1e-3, "lr_d": 1e-3,
                                                      "n_critic": 2}
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_sets(["bogus"])
    with pytest.raises(ConfigError, match="did you mean 'n_critic'"):
        parse_sets(["n_critc=2"])
    with pytest.raises(ConfigError, match="n_critic: expected an integer"):
        parse_sets(["n_critic=two"])
    # a fixed first seed offsets every member's seed (it used to be kept as the string "3")
    members = expand(parse_sets(["seed=3"]), {}, seeds=2)
    assert [m.seed for m in members] == [3, 4]


def test_parse_grid_and_expand():
    grid = parse_grid(["clip=0.001,0.01", "lr=1e-5,5e-5,1e-4"])
    assert grid == {"clip": [0.001, 0.01], "lr": [1e-5, 5e-5, 1e-4]}
    members = expand({"method": "wgan-clip", "seed": 10}, grid, seeds=3)
    assert len(members) == 2 * 3 * 3
    m = members[4]
    assert m.overrides["lr_g"] == m.overrides["lr_d"] == m.point["lr"]
    assert sorted({x.seed for x in members}) == [10, 11, 12]
    with pytest.raises(ConfigError, match="did you mean 'clip'"):
        parse_grid(["clp=0.1"])
    with pytest.raises(ConfigError, match="expected a number"):
        parse_grid(["clip=abc"])
    with pytest.raises(ConfigError, match="KEY=V1"):
        parse_grid(["clip"])
    with pytest.raises(ConfigError, match="--seeds"):  # expand would overwrite it silently
        parse_grid(["seed=1,2"])


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
    page = write_sweep(result, tmp_path, "ring")
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
