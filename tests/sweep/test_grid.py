"""Grid and --set parsing, and the members a grid expands to."""

import pytest

from otgan.errors import ConfigError
from otgan.sweep.grid import expand, parse_grid, parse_sets


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
