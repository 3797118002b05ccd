"""Latent codes of a run: otgan encode and Run.encode, with an encoder and by optimization."""

import numpy as np
import pytest

import otgan
from otgan.cli import main
from tests.conftest import quick_config


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        main(args)
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("encode")
    quick = dict(steps=30, metrics="w1", tensorboard=False)
    otgan.train(quick_config(method="bigan", **quick), out=root / "bigan")
    otgan.train(quick_config(method="wgan-gp", **quick), out=root / "wgan")
    return root


def test_encode_writes_codes_with_the_encoder(runs, tmp_path, capsys):
    out = tmp_path / "z.npy"
    code, text, err = run_cli(["encode", str(runs / "bigan"), "--data", "ring", "--n", "50",
                               "--out", str(out)], capsys)
    assert code == 0, err
    z = np.load(out)
    assert z.shape == (50, 2) and z.dtype == np.float32
    assert "the encoder E(x)" in text and "reconstruction error" in text
    run = otgan.load_run(runs / "bigan")
    assert np.allclose(run.encode(run.dataset.test[:50].numpy()), z, atol=1e-6)
    for folder in ("snapshots",):  # a critic of pairs has no level sets: none were drawn
        assert not (runs / "bigan" / folder).exists()
    assert (runs / "bigan" / "reconstruction.png").is_file()
    code, _, err = run_cli(["encode", str(runs / "bigan"), "--data", "ring", "--out",
                            str(out)], capsys)
    assert code == 2 and "exists" in err and err.count("\n") == 1


def test_encode_by_optimization_reconstructs_the_run_s_own_samples(runs, tmp_path, capsys):
    # samples of the generator are reconstructed by inversion far better than by random codes
    run = otgan.load_run(runs / "wgan")
    x = run.sample(100, seed=3)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "z.npy"
    code, text, err = run_cli(["encode", str(runs / "wgan"), "--data", str(tmp_path / "x.npy"),
                               "--out", str(out), "--steps", "300"], capsys)
    assert code == 0, err
    assert "optimization (300 Adam steps)" in text
    recon = run.generate(__import__("torch").from_numpy(np.load(out))).numpy()
    rand = run.sample(100, seed=4)
    assert ((recon - x) ** 2).mean() < 0.05 * ((rand - x) ** 2).mean()


@pytest.mark.parametrize("args,message", [
    (["--inversion", "encoder"], "has no encoder"),
    (["--out", "z.txt"], "must end in .npy"),
    (["--data", "digits"], "this run's points have shape"),
])
def test_encode_refuses_bad_input_in_one_line(runs, tmp_path, capsys, args, message):
    base = {"--data": "ring", "--out": str(tmp_path / "z.npy")}
    extra = dict(zip(args[::2], args[1::2]))
    if extra.get("--out") == "z.txt":
        extra["--out"] = str(tmp_path / "z.txt")
    argv = ["encode", str(runs / "wgan")] + [v for k, val in {**base, **extra}.items()
                                             for v in (k, val)]
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err
