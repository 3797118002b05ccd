"""``otgan.solve``: semi-discrete OT from a continuous measure to points, against closed forms."""

import json

import numpy as np
import pytest

import otgan

QUADRANTS = np.array([[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]])


def test_uniform_square_to_the_quadrant_centres(tmp_path):
    """mu uniform on [0,1]^2, nu the four quadrant centres (equal weights): the Laguerre cells
    are the quadrants and W2^2 = 2 Var U[0, 1/2] = 1/24."""
    np.save(tmp_path / "y.npy", QUADRANTS)
    s = otgan.solve("uniform", str(tmp_path / "y.npy"), steps=3000, batch=64, n_eval=200_000,
                    seed=0, out=tmp_path / "sol")
    assert s["meaning"] == "W2^2"
    assert s["value"] == pytest.approx(1 / 24, rel=0.02)
    assert s["masses"].numpy() == pytest.approx([0.25] * 4, abs=0.01)
    assert sorted(s["files"]) == ["laguerre.png", "solution.json", "solution.npz"]
    saved = json.loads((tmp_path / "sol" / "solution.json").read_text())
    assert saved["value"] == s["value"] and saved["J"] == 4
    npz = np.load(tmp_path / "sol" / "solution.npz")
    assert npz["weights"] == pytest.approx([0.25] * 4) and npz["targets"].shape == (4, 2)


def test_weighted_targets_follow_their_weights(tmp_path):
    """Weights 0.4, 0.1, 0.1, 0.4: each cell's mu-mass equals its target's weight."""
    np.save(tmp_path / "y.npy", QUADRANTS)
    w = np.array([0.4, 0.1, 0.1, 0.4])
    np.save(tmp_path / "w.npy", w)
    s = otgan.solve("uniform", str(tmp_path / "y.npy"), weights=str(tmp_path / "w.npy"),
                    steps=4000, n_eval=200_000, seed=1)
    assert s["masses"].numpy() == pytest.approx(w, abs=0.015)
    assert s["max_mass_error"] < 0.015
    assert "files" not in s  # no folder asked for, none written


def test_a_refused_folder_is_refused_before_any_work(tmp_path):
    np.save(tmp_path / "y.npy", QUADRANTS)
    (tmp_path / "sol").mkdir()
    (tmp_path / "sol" / "solution.json").write_text("{}")
    with pytest.raises(otgan.OtganError, match="exists"):
        otgan.solve("uniform", str(tmp_path / "y.npy"), steps=10**9, out=tmp_path / "sol")
