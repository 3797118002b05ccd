import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

from otgan.data import load_dataset
from otgan.data.images import (SOURCES, _idx_dir, content_sha256, fetch, read_idx,
                               to_unit_range)
from otgan.errors import DataError


def idx_bytes(a: np.ndarray) -> bytes:
    head = bytes([0, 0, 0x08, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape)
    return head + a.astype(np.uint8).tobytes()


def test_idx_round_trip_plain_and_gzipped():
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(read_idx(idx_bytes(a), "x"), a)
    assert np.array_equal(read_idx(gzip.compress(idx_bytes(a)), "x"), a)
    with pytest.raises(DataError, match="truncated"):
        read_idx(idx_bytes(a)[:-1], "x")
    with pytest.raises(DataError, match="not an IDX"):
        read_idx(b"\x01\x02\x03\x04", "x")


def test_idx_directory_and_checksum(tmp_path, monkeypatch):
    monkeypatch.setenv("OTGAN_DATA", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (5, 28, 28)), "y_train": np.arange(5),
              "x_test": rng.integers(0, 256, (2, 28, 28)), "y_test": np.arange(2)}
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte")
    for name, key in zip(names, arrays):
        (tmp_path / (name + ".gz")).write_bytes(gzip.compress(idx_bytes(arrays[key])))
    got = _idx_dir(tmp_path)
    assert all(np.array_equal(got[k], arrays[k]) for k in arrays)
    assert content_sha256(got) == content_sha256(arrays)
    # MNIST's pinned label counts reject data that is not MNIST, with a clear message
    with pytest.raises(DataError, match="training label counts"):
        fetch("mnist", source=tmp_path, quiet=True)


DEBIAN_FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.mark.skipif(not __import__("os").path.isdir(DEBIAN_FASHION),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_from_debian_matches_the_pinned_content(tmp_path, monkeypatch):
    monkeypatch.setenv("OTGAN_DATA", str(tmp_path))
    arrays = _idx_dir(Path(DEBIAN_FASHION))
    assert content_sha256(arrays) == SOURCES["fashion-mnist"].content_sha256
    assert np.bincount(arrays["y_train"]).tolist() == [6000] * 10
    ds = load_dataset("fashion-mnist")  # through fetch and the cache
    assert tuple(ds.train.shape) == (60000, 1, 28, 28) and tuple(ds.test.shape) == (10000, 1, 28, 28)


def test_two_processes_caching_a_set_at_once_both_succeed(tmp_path):
    """Two trainings started together on a set not yet cached both convert it; each writes a
    whole cache file through a temporary of its own (a shared temporary name made one of them
    fail, 'fashion-mnist.tmp.npz: No such file or directory')."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(f"""
        import numpy as np
        from pathlib import Path
        from otgan.data.images import ImageSource, _load_cache, _store
        rng = np.random.default_rng(0)
        arrays = {{"x_train": rng.integers(0, 256, (3000, 28, 28)).astype(np.uint8),
                   "y_train": np.arange(3000) % 10,
                   "x_test": rng.integers(0, 256, (500, 28, 28)).astype(np.uint8),
                   "y_test": np.arange(500) % 10}}
        src = ImageSource("fake", "", ("",) * 4, ())
        cache = Path({str(tmp_path / "fake.npz")!r})
        for _ in range(15):
            _store(src, arrays, cache, "test")
            assert _load_cache(src, cache)["x_train"].shape == (3000, 28, 28)
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    errs = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    assert sorted(q.name for q in tmp_path.iterdir()) == ["fake.npz"]  # no temporary left


def test_fetch_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("OTGAN_DATA", str(tmp_path))
    with pytest.raises(DataError, match="does not hold the four IDX files"):
        fetch("fashion-mnist", source=tmp_path / "missing", quiet=True)
    with pytest.raises(DataError, match="not downloadable"):
        fetch("cifar", quiet=True)
    # a corrupt cache is detected, never used
    (tmp_path / "mnist.npz").write_bytes(b"not a zip")
    from otgan.data.images import _load_cache

    with pytest.raises(DataError, match="unreadable cache"):
        _load_cache(SOURCES["mnist"], tmp_path / "mnist.npz")


@pytest.mark.parametrize("x, expected", [
    (np.array([0, 255], np.uint8), [-1.0, 1.0]),
    (np.array([0.0, 0.5, 1.0]), [-1.0, 0.0, 1.0]),
    (np.array([-1.0, 0.25]), [-1.0, 0.25]),
    (np.array([0.0, 127.5, 255.0]), [-1.0, 0.0, 1.0]),
])
def test_pixels_scaled_to_unit_range(x, expected):
    assert np.allclose(to_unit_range(x, "t"), expected)


def test_pixels_out_of_range_rejected():
    with pytest.raises(DataError, match=r"span \[-3, 2\]"):
        to_unit_range(np.array([-3.0, 2.0]), "t")


def test_digits_dataset():
    ds = load_dataset("digits")
    assert ds.train.shape == (1500, 1, 8, 8) and ds.test.shape == (297, 1, 8, 8)
    assert ds.is_image and ds.dim == 64
    assert float(ds.train.min()) == -1.0 and float(ds.train.max()) == 1.0
    assert ds.train_labels.shape == (1500,) and int(ds.test_labels.max()) == 9


def test_image_folder_and_npy(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(1)
    for i in range(5):
        Image.fromarray(rng.integers(0, 256, (12, 12), dtype=np.uint8)).save(tmp_path / f"{i}.png")
    ds = load_dataset(str(tmp_path), test_fraction=0.2)
    assert ds.train.shape == (4, 1, 12, 12) and ds.test.shape == (1, 1, 12, 12)
    assert -1.0 <= float(ds.train.min()) and float(ds.train.max()) <= 1.0
    np.save(tmp_path / "imgs.npy", rng.integers(0, 256, (10, 16, 16, 3), dtype=np.uint8))
    ds = load_dataset(str(tmp_path / "imgs.npy"))
    assert ds.train.shape[1:] == (3, 16, 16)  # channels-last moved first
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "odd.png")
    with pytest.raises(DataError, match="differ in size"):
        load_dataset(str(tmp_path))


def test_image_runs_train_with_both_architectures():
    import otgan

    for arch, gnorm in (("dcgan", "batchnorm"), ("mlp", "none")):
        run = otgan.train(data="digits", arch=arch, g_norm=gnorm, steps=2, batch_size=16,
                          eval_every=0, log_every=1, latent_dim=8, eval_n=64)
        x = run.sample(5, seed=0)
        assert x.shape == (5, 1, 8, 8)
        assert np.abs(x).max() <= 1.0  # tanh output
        assert torch.isfinite(torch.as_tensor(x)).all()


@pytest.mark.parametrize("method", ["gan", "gan-ns", "wgan-clip", "wgan-gp", "wgan-lp", "sngan",
                                    "sd-wgan"])
def test_every_method_trains_on_images(method):
    import otgan

    run = otgan.train(data="digits", method=method, steps=3, batch_size=16, eval_every=0,
                      log_every=1, latent_dim=8, eval_n=64, metrics="sliced")
    assert run.state.step == 3
    assert all(torch.isfinite(p).all() for p in run.generator.parameters())
    assert run.sample(4, seed=0).shape == (4, 1, 8, 8)


def test_image_run_evaluates_image_metrics(shared_data_home, tmp_path):
    import json

    import otgan

    run = otgan.train(data="digits", steps=2, batch_size=16, eval_every=0, log_every=1,
                      latent_dim=8, eval_n=200, out=tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    for key in ("w1", "sliced_w2", "fid", "kid", "precision", "recall", "classes_covered",
                "confidence"):
        assert key in summary, key
    assert summary["fid"] > 0 and 0 <= summary["precision"] <= 1
    assert (tmp_path / "run" / "snapshots" / "grid_00000002.png").is_file()
    assert "Generated images over training" in (tmp_path / "run" / "report.html").read_text()
    assert "fid" in run.evaluate(n=100)


def test_mirror_download_verifies_checksums(tmp_path):
    """The online path, against a local HTTP server: files fetched, md5-checked, parsed."""
    import hashlib
    import http.server
    import socketserver
    import threading
    from functools import partial

    from otgan.data.images import IDX_FILES, ImageSource, _from_mirrors

    rng = np.random.default_rng(3)
    arrays = [rng.integers(0, 256, (4, 28, 28)), np.arange(4), rng.integers(0, 256, (2, 28, 28)),
              np.arange(2)]
    md5 = []
    for stem, a in zip(IDX_FILES, arrays):
        raw = gzip.compress(idx_bytes(a))
        (tmp_path / (stem + ".gz")).write_bytes(raw)
        md5.append(hashlib.md5(raw).hexdigest())
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        try:
            got = _from_mirrors(ImageSource("t", "", tuple(md5), (base,)), quiet=True)
            assert np.array_equal(got["x_train"], arrays[0])
            bad = ImageSource("t", "", ("0" * 32,) + tuple(md5[1:]), (base,))
            with pytest.raises(OSError, match="checksum mismatch"):
                _from_mirrors(bad, quiet=True)
        finally:
            server.shutdown()
