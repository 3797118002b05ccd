"""The otgan command: outputs, exit codes, one-line errors."""

import json

import numpy as np
import pytest
from matplotlib.image import imread

from otgan.cli import main


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        main(args)
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


SMALL = ["--steps", "20", "--batch-size", "32", "--n-train", "1000", "--n-test", "500",
         "--eval-n", "300", "--eval-every", "10", "--no-progress"]


def test_train_then_sample(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = run_cli(["train", "--data", "ring", "--method", "wgan-gp", "--seed", "3",
                                 "--out", str(out)] + SMALL, capsys)
    assert code == 0, err
    assert str(out) in stdout and "W1" in stdout
    summary = json.loads((out / "summary.json").read_text())
    assert f"exact W1 to held-out = {summary['w1']:.4f}" in stdout  # the run's own number
    record = json.loads((out / "config.json").read_text())
    assert record["seed"] == 3 and record["config"]["steps"] == 20
    f1, f2, f3 = tmp_path / "a.npy", tmp_path / "b.npy", tmp_path / "c.npy"
    for f, seed in [(f1, "1"), (f2, "1"), (f3, "2")]:
        code, _, err = run_cli(["sample", str(out), "--n", "50", "--out", str(f), "--seed", seed],
                               capsys)
        assert code == 0, err
    code, stdout, err = run_cli(["show", str(out)], capsys)  # the lab's sizes question
    assert code == 0, err
    assert "generator: input latent code (2,), gaussian -> output (2,); 8,770 parameters" \
        in stdout  # 2 -> 128 -> 64 -> 2: 384 + 8256 + 130
    assert "critic: input (2,) -> output (1,); 8,705 parameters" in stdout
    a, b, c = np.load(f1), np.load(f2), np.load(f3)
    assert a.shape == (50, 2) and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    # a .png of point data: a scatter plot of the generated points (orange) over held-out data
    code, stdout, err = run_cli(["sample", str(out), "--n", "500", "--out",
                                 str(tmp_path / "s.png")], capsys)
    assert code == 0 and "scatter plot of 500 generated points" in stdout, err
    rgb = imread(tmp_path / "s.png")[..., :3]
    assert rgb.shape == (500, 500, 3)  # 5 inches at 100 dpi
    r, g, bl = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    assert ((r - bl > 0.3) & (g < 0.85)).sum() > 100  # orange: generated
    assert ((bl - r > 0.15) & (g < 0.85)).sum() > 100  # blue: held-out data
    # rejection sampling reads a density ratio, which a Wasserstein critic is not
    code, _, err = run_cli(["sample", str(out), "--n", "5", "--out", str(tmp_path / "r.npy"),
                            "--reject"], capsys)
    assert code == 2 and "rejection sampling" in err and len(err.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """A tiny image run (no classifier metrics: only sliced W2 is evaluated)."""
    import otgan

    out = tmp_path_factory.mktemp("img") / "run"
    otgan.train(data="digits", steps=2, batch_size=16, eval_every=0, log_every=1,
                latent_dim=8, eval_n=100, metrics="sliced", out=out)
    return out


def test_sample_png_of_an_image_run_is_a_grid_of_the_generated_images(digits_run, tmp_path,
                                                                       capsys):
    png, npy = tmp_path / "g.png", tmp_path / "g.npy"
    for f, said in ((png, "a grid of 16 generated images"), (npy, "16 x 1 x 8 x 8 float32")):
        code, stdout, err = run_cli(["sample", str(digits_run), "--n", "16", "--out", str(f),
                                     "--seed", "4"], capsys)
        assert code == 0 and said in stdout, err
    grid, x = imread(png), np.load(npy)
    assert x.shape == (16, 1, 8, 8)
    assert grid.shape == (4 * 9 + 1, 4 * 9 + 1)  # 4 x 4 digits of 8 x 8, 1-pixel white gaps
    assert grid.std() > 0.05  # not a constant picture
    for i in (0, 5, 15):  # each tile is that generated image, at one pixel per pixel
        r, k = divmod(i, 4)
        tile = grid[1 + 9 * r:9 + 9 * r, 1 + 9 * k:9 + 9 * k]
        assert np.abs(tile - np.round((x[i, 0] + 1) / 2 * 255) / 255).max() <= 1 / 255 + 1e-6
    assert (grid[0] == 1).all() and (grid[:, 9] == 1).all()  # the gaps
    code, _, err = run_cli(["sample", str(digits_run), "--n", "5", "--out", str(png)], capsys)
    assert code == 2 and "pass --overwrite" in err
    code, _, err = run_cli(["sample", str(digits_run), "--n", "5", "--out", str(png),
                            "--overwrite"], capsys)
    assert code == 0, err
    assert imread(png).shape == (2 * 9 + 1, 3 * 9 + 1)  # 5 images: 3 columns, 2 rows
    assert not list(tmp_path.glob(".*"))  # atomic writes leave no temporary file


def test_config_file_and_options(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('method = "wgan-clip"\nclip = 0.05\n')
    out = tmp_path / "r"
    code, _, err = run_cli(["train", "--config", str(cfg), "--clip", "0.02", "--out", str(out)]
                           + SMALL, capsys)
    assert code == 0, err
    saved = json.loads((out / "config.json").read_text())["config"]
    assert saved["method"] == "wgan-clip" and saved["clip"] == 0.02


@pytest.mark.parametrize("args,needle", [
    (["train", "--lr-g", "-1"], "lr_g must be > 0, got -1.0"),
    (["train", "--method", "wgan-cilp"], "did you mean 'wgan-clip'"),
    (["train", "--data", "nope.npy"], "data file not found: nope.npy"),
    (["train", "--steps", "ten"], "steps: expected an integer, got 'ten'"),
    (["train", "--no-such-flag"], "No such option"),
    (["train", "--method", "wgan-gp", "--clip", "0.1"], "clip does not apply to method wgan-gp"),
    (["sample", "does/not/exist", "--n", "5", "--out", "x.npy"], "run folder not found"),
    (["sample", "{run}", "--n", "0", "--out", "x.npy"], "--n must be >= 1"),
    (["sample", "{run}", "--n", "5", "--out", "x.txt"], "must end in .npy or .png"),
    (["sample", ".", "--n", "5", "--out", "x.npy"], "not an otgan run folder"),
    (["train", "--resume", "does/not/exist"], "run folder not found"),
    (["solve", "--targets", "rnig", "--out", "s"], "did you mean 'ring'"),
    (["frobnicate"], "No such command 'frobnicate'"),
    (["presets", "nope"], "unknown method 'nope'"),
    (["sweep", "--grid", "clp=0.1", "--out", "s"], "did you mean 'clip'"),
    (["sweep", "--grid", "clip=0.1", "--slurm", "partition", "--out", "s"], "expected KEY=VALUE"),
    (["sweep", "--grid", "lr=1e-3", "--slurm", "time=soon", "--out", "s"], "expected an integer"),
    (["sweep", "--grid", "lr=1e-3"], "Missing option '--out'"),
    (["sweep", "collect", "nowhere"], "sweep folder not found"),
    (["sweep", "collect", "."], "not an otgan sweep folder"),
    (["sweep", "--grid", "clip=0.1", "--set", "bogus", "--out", "s"], "expected KEY=VALUE"),
    (["data", "fetch", "cifar"], "Invalid value"),
    (["solve", "--targets", "ring", "--eps", "-1", "--out", "s"],
     "--eps must be a finite number >= 0, got -1"),
    (["critic", "--real", "ring", "--scale", "inf", "--out", "c"],
     "--scale must be a finite number > 0, got inf"),
    (["sweep", "--grid", "lr=1e-3", "--seeds", "0", "--out", "s"], "--seeds must be >= 1, got 0"),
    (["solve", "--targets", "ring", "--threads", "2000", "--out", "s"],
     "--threads must be between 0 and 1024, got 2000"),
    (["solve", "--targets", "ring", "--pot-option", "lr0=1", "--out", "s"],
     "--pot-option applies to --solver pot"),
    (["solve", "--targets", "ring", "--solver", "pot", "--pot-option", "max_iter=3", "--out", "s"],
     "--pot-option max_iter: not one of POT's"),
    (["solve", "--targets", "ring", "--solver", "pot", "--pot-option", "lr0", "--out", "s"],
     "expected KEY=VALUE"),
    (["sample", "{run}", "--n", "many", "--out", "x.npy"], "--n: expected an integer, got 'many'"),
    (["sample", "{run}", "--n", "5", "--out", "nowhere/x.npy"], "folder nowhere does not exist"),
])
def test_bad_usage_exits_2_with_one_line(args, needle, capsys, tmp_path):
    (tmp_path / "config.json").write_text("{}")  # a run folder, to the command line's eyes
    code, out, err = run_cli([str(tmp_path) if a == "{run}" else a for a in args], capsys)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_metric_that_does_not_apply_is_refused_before_the_run_folder(capsys, tmp_path):
    # the ring has no modes: asked for by name, "modes" is refused before anything is written
    out = tmp_path / "r"
    code, _, err = run_cli(["train", "--data", "ring", "--metrics", "modes,w1", "--out",
                            str(out)] + SMALL, capsys)
    assert code == 2 and "metric 'modes' does not apply to this run's data" in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.parametrize("cmd", [[], ["train"], ["sample"], ["presets"]])
def test_help_everywhere(cmd, capsys):
    code, out, _ = run_cli(cmd + ["--help"], capsys)
    assert code == 0 and "Usage:" in out


def test_train_help_lists_every_config_field(capsys):
    from otgan.config import FIELDS

    _, out, _ = run_cli(["train", "--help"], capsys)
    for name in FIELDS:
        assert "--" + name.replace("_", "-") in out


def test_train_help_shows_the_defaults_a_run_uses(capsys):
    """A run of the default method uses its default preset's values: --help shows those."""
    from otgan.config import TrainConfig
    from otgan.methods import METHODS

    _, out, _ = run_cli(["train", "--help"], capsys)
    text = " ".join(out.split()).replace("- ", "-")  # click may wrap a line after a hyphen
    preset = METHODS[TrainConfig.method].presets["default"]
    for name in ("gp_lambda", "lr_g", "batch_size"):
        flag = "--" + name.replace("_", "-")
        shown = text[text.index(flag):text.index(flag) + 300]
        assert f"[default: {preset[name]} with {TrainConfig.method}'s default preset" in shown


def test_presets_json(capsys):
    code, out, _ = run_cli(["presets", "--json"], capsys)
    table = json.loads(out)
    assert code == 0 and table["wgan-clip"]["paper"]["clip"] == 0.01


@pytest.mark.parametrize("args", [["--help"], ["sample", "--help"], ["sweep", "--help"],
                                  ["sweep", "collect", "--help"], ["sweep", "collect", "x"],
                                  ["sweep", "--grid", "lr=1", "--slurm", "time=x", "--out", "x"],
                                  ["train", "--bogus"], ["train", "--steps", "-1"],
                                  ["train", "--lr-g", "nan"], ["sample"],
                                  ["train", "--method", "wgan-gpp"], ["train", "--data", "rnig"],
                                  ["sample", "nowhere", "--n", "3", "--out", "x.npy"],
                                  ["train", "--resume", "nowhere"],
                                  ["train", "--metrics", "w1,nope"],
                                  ["solve", "--targets", "nope", "--out", "x"],
                                  ["train", "--help"], ["presets"], ["presets", "gan-r1"],
                                  ["train", "--method", "wgan-gp", "--clip", "0.1"],
                                  ["train", "--preset", "fast"], ["train", "--epochs", "1e308"],
                                  ["train", "--method", "lsgan", "--ls-a", "1", "--ls-b", "1"],
                                  ["train", "--method", "sd-wgan", "--sd-warmup-steps", "5"],
                                  ["solve", "--targets", "ring", "--eps", "-1", "--out", "s"],
                                  ["critic", "--real", "ring", "--steps", "0", "--out", "c"],
                                  ["encode", "--help"], ["eval", "--help"], ["data", "--help"],
                                  ["benchmark", "--help"], ["benchmark", "mixtures", "--help"],
                                  ["benchmark", "mixtures", "--method", "nosuch", "--out", "x"],
                                  ["benchmark", "stacked-mnist", "--method", "gan:fast",
                                   "--out", "x"]])
def test_help_and_usage_errors_do_not_load_torch(args):
    """`otgan --help` and usage errors answer without importing PyTorch (about 3 s here)."""
    import subprocess
    import sys

    code = ("import sys\nfrom otgan.cli import main\ntry:\n    main(%r)\nexcept SystemExit:\n"
            "    pass\nprint('torch' in sys.modules, 'ot' in sys.modules)" % (args,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "False False", out.stdout + out.stderr


def test_done_line_of_an_image_run_shows_its_image_metrics(shared_data_home, tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = run_cli(["train", "--data", "digits", "--steps", "2", "--batch-size",
                                 "16", "--latent-dim", "8", "--eval-n", "200", "--eval-every",
                                 "0", "--metrics", "fid,classes", "--no-progress", "--out",
                                 str(out)], capsys)
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    done = next(line for line in stdout.splitlines() if line.startswith("done: "))
    assert f"FID (otgan's classifier features) = {summary['fid']:.2f}" in done
    assert f"classes covered by generated images = {summary['classes_covered']}" in done


def test_data_show_describes_and_plots(tmp_path, capsys):
    png = tmp_path / "ring.png"
    code, out, err = run_cli(["data", "show", "8gaussians", "--n-train", "4000", "--json",
                              "--out", str(png)], capsys)
    assert code == 0, err
    info = json.loads(out[:out.rindex("}") + 1])
    assert info["train_shape"] == [4000, 2] and info["modes"] == 8
    assert all(abs(m) < 0.05 for m in info["mean"])  # eight modes placed symmetrically
    assert png.read_bytes()[:4] == b"\x89PNG"
    code, _, err = run_cli(["data", "show", "8gaussians", "--out", str(png)], capsys)
    assert code == 2 and "pass --overwrite" in err  # never replaced without asking
    code, out, err = run_cli(["data", "show", "digits", "--json"], capsys)
    info = json.loads(out)
    assert info["train_shape"][1:] == [1, 8, 8] and len(info["classes"]) == 10
    assert (info["min"], info["max"]) == (-1.0, 1.0)
