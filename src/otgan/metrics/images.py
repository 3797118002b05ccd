"""Image metrics that need no download: a small classifier trained once on the real training
split, and distances in its feature space.

The Inception network behind the usual FID is a download (and trained on other images); here the
feature extractor is a CNN trained on the dataset's own labels, cached under
``$OTGAN_DATA/classifiers`` keyed by a checksum of the training data.  Its 128-d penultimate
activations play Inception's pool features, its softmax Inception's class probabilities.
Values are therefore comparable between runs on the same dataset, not with published FIDs.

  * ``frechet_distance``: FID, ||m1 - m2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) (Heusel et al. 2017);
  * ``kernel_distance``: KID, unbiased MMD^2 with the kernel (x.y / d + 1)^3, mean and standard
    deviation over random subsets (Binkowski et al. 2018);
  * ``precision_recall``: k-NN manifold precision and recall, k = 3 (Kynkaanniemi et al. 2019);
  * ``class_coverage``: classes predicted for generated images against uniform (mode collapse);
  * ``confidence_score``: exp(E_x KL(p(y|x) || p(y))), in the spirit of the Inception Score.
"""

from __future__ import annotations

import hashlib
import io
import math
import pickle
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..data.images import data_home
from ..errors import ConfigError
from ..fileio import atomic_write_bytes
from ..owned import set_aside
from ..runtime.progress import bar as progress_bar
from .registry import register

FEATURES = 128


class Classifier(nn.Module):
    """conv 32 - conv 32 - pool - conv 64 - pool - linear 128 (features) - linear classes."""

    def __init__(self, shape: tuple, classes: int = 10):
        super().__init__()
        c, h, w = shape
        self.convs = nn.Sequential(
            nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * (h // 4) * (w // 4), FEATURES), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(FEATURES, classes))

    def forward(self, x):
        return self.head(self.convs(x))

    @torch.no_grad()
    def embed(self, x: torch.Tensor, batch: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
        """(features (n, 128), class probabilities (n, classes)), float64, in eval mode."""
        was = self.training
        self.eval()
        dev = next(self.parameters()).device
        feats, probs = [], []
        for i in range(0, x.shape[0], batch):
            f = self.convs(x[i:i + batch].to(dev))
            feats.append(f.double().cpu())
            probs.append(F.softmax(self.head(f), 1).double().cpu())
        self.train(was)
        return torch.cat(feats), torch.cat(probs)


def data_checksum(train: torch.Tensor, labels: torch.Tensor) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(train.numpy()).tobytes())
    h.update(np.ascontiguousarray(labels.numpy()).tobytes())
    return h.hexdigest()


def train_classifier(train, labels, test, test_labels, epochs: int = 3, batch: int = 128,
                     seed: int = 0, quiet: bool = False,
                     progress: bool = False) -> tuple[Classifier, float]:
    """Train the classifier (Adam 1e-3, light random shifts); returns it and its test accuracy
    (``quiet``: no line per epoch; ``progress``: a bar per epoch)."""
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = Classifier(tuple(train.shape[1:]), int(labels.max()) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=epochs * math.ceil(
        train.shape[0] / batch))
    for epoch in range(epochs):
        perm = torch.randperm(train.shape[0], generator=g)
        for i in progress_bar(range(0, train.shape[0], batch), enabled=progress and not quiet,
                              desc=f"classifier epoch {epoch + 1}/{epochs}"):
            idx = perm[i:i + batch]
            x = _shift(train[idx], g)
            loss = F.cross_entropy(model(x), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        acc = accuracy(model, test, test_labels)
        if not quiet:
            print(f"  classifier epoch {epoch + 1}/{epochs}: test accuracy {acc:.4f}",
                  file=sys.stderr, flush=True)
    return model.eval(), acc


def _shift(x: torch.Tensor, g: torch.Generator, pixels: int = 2) -> torch.Tensor:
    """Random translations by up to ``pixels`` (padding with the background value -1)."""
    if x.shape[-1] < 16:
        return x
    padded = F.pad(x, (pixels,) * 4, value=-1.0)
    dx, dy = (int(v) for v in torch.randint(0, 2 * pixels + 1, (2,), generator=g))
    return padded[..., dy:dy + x.shape[-2], dx:dx + x.shape[-1]]


def accuracy(model: Classifier, x: torch.Tensor, y: torch.Tensor) -> float:
    _, p = model.embed(x)
    return float((p.argmax(1) == y).double().mean())


def load_classifier(dataset, quiet: bool = False, progress: bool = False) -> Classifier | None:
    """The dataset's classifier from the cache, trained and cached first if needed (None when
    the data has no labels); ``progress``: a bar while it is trained (``--progress``)."""
    if dataset.train_labels is None or dataset.train.dim() != 4:
        return None

    key = data_checksum(dataset.train, dataset.train_labels)[:16]
    path = data_home() / "classifiers" / f"{dataset.name}-{key}.pt"
    shape, classes = tuple(dataset.train.shape[1:]), int(dataset.train_labels.max()) + 1
    if path.exists() or path.is_symlink():
        try:
            if not path.is_file():
                raise OSError("not a file")
            blob = torch.load(path, map_location="cpu", weights_only=True)
            # built on the meta device: initial weights would draw from the global random
            # stream, which training shares (an evaluation must not change the run)
            with torch.device("meta"):
                model = Classifier(shape, classes)
            model = model.to_empty(device="cpu")
            model.load_state_dict(blob["state"])
            return model.eval()
        except (RuntimeError, KeyError, TypeError, ValueError, OSError, EOFError,
                pickle.UnpicklingError) as e:
            # unreadable: set aside (never overwritten) and trained again, said in one line
            why = (str(e).strip().splitlines() or [type(e).__name__])[0][:120]
            moved = set_aside(path).name
            if not quiet:
                print(f"otgan: {path}: unreadable classifier cache ({why}); set aside as "
                      f"{moved}; training the {dataset.name} classifier again (once)",
                      file=sys.stderr, flush=True)
            quiet = True
    if not quiet:
        print(f"training the {dataset.name} classifier for image metrics (once; cached at "
              f"{path})", file=sys.stderr, flush=True)
    epochs = 3 if dataset.train.shape[0] >= 20000 else 30
    model, acc = train_classifier(dataset.train, dataset.train_labels, dataset.test,
                                  dataset.test_labels, epochs=epochs, quiet=quiet,
                                  progress=progress)
    buf = io.BytesIO()
    torch.save({"state": model.state_dict(), "test_accuracy": acc}, buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())
    return model


# ----------------------------------------------------------------------------- the metrics
def frechet_distance(f_fake: torch.Tensor, f_real: torch.Tensor) -> float:
    """FID between Gaussians fitted to two feature sets (n, d)."""
    from scipy import linalg

    a, b = f_fake.double().numpy(), f_real.double().numpy()
    m1, m2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings():  # rank-deficient covariances (n < d) are handled below
        warnings.simplefilter("ignore")
        covmean, _ = linalg.sqrtm(s1 @ s2, disp=False)
        if not np.isfinite(covmean).all():  # singular product: regularize, as the FID authors do
            eps = np.eye(s1.shape[0]) * 1e-6
            covmean = linalg.sqrtm((s1 + eps) @ (s2 + eps))
    covmean = covmean.real
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def kernel_distance(f_fake: torch.Tensor, f_real: torch.Tensor, subsets: int = 50,
                    subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """KID: unbiased MMD^2 with the cubic polynomial kernel; (mean, std) over subsets."""
    x, y = f_fake.double(), f_real.double()
    m = min(subset_size, x.shape[0], y.shape[0])
    d = x.shape[1]
    g = torch.Generator().manual_seed(seed)
    vals = []
    for _ in range(subsets):
        a = x[torch.randperm(x.shape[0], generator=g)[:m]]
        b = y[torch.randperm(y.shape[0], generator=g)[:m]]
        kxx = (a @ a.T / d + 1) ** 3
        kyy = (b @ b.T / d + 1) ** 3
        kxy = (a @ b.T / d + 1) ** 3
        off = (kxx.sum() - kxx.diagonal().sum() + kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
        vals.append(float(off - 2 * kxy.mean()))
    v = np.asarray(vals)
    return float(v.mean()), float(v.std())


def precision_recall(f_fake: torch.Tensor, f_real: torch.Tensor, k: int = 3) -> dict:
    """k-NN manifold precision (generated inside the real manifold) and recall (real inside the
    generated manifold)."""
    def radii(f):
        d = torch.cdist(f, f)
        return d.kthvalue(k + 1, dim=1).values  # the point itself is at distance 0

    def inside(points, support, r):
        return (torch.cdist(points, support) <= r[None]).any(1).double().mean()

    x, y = f_fake.double(), f_real.double()
    return {"precision": float(inside(x, y, radii(y))), "recall": float(inside(y, x, radii(x)))}


def class_coverage(probs: torch.Tensor, min_share: float = 0.1) -> dict:
    """Predicted-class histogram of generated images: classes holding at least ``min_share``
    of a uniform class's share, and the KL divergence of the histogram to uniform."""
    k = probs.shape[1]
    hist = torch.bincount(probs.argmax(1), minlength=k).double() / probs.shape[0]
    nz = hist[hist > 0]
    kl = float((nz * (nz * k).log()).sum())
    return {"classes_covered": int((hist >= min_share / k).sum()), "class_kl": kl}


def confidence_score(probs: torch.Tensor) -> float:
    """exp(E_x KL(p(y|x) || p(y))): high when each image is confidently one class and the classes
    are balanced (between 1 and the number of classes)."""
    p = probs.double().clamp_min(1e-12)
    marginal = p.mean(0, keepdim=True)
    return float(torch.exp((p * (p.log() - marginal.log())).sum(1).mean()))


# ----------------------------------------------------------------------------- registered
def _embeddings(ctx):
    """Classifier features and probabilities of fake and real images (once per context)."""
    if "_embeddings" not in ctx.cache:
        model = ctx.classifier() if ctx.classifier is not None else None
        if model is None:
            raise ConfigError("image metrics need a labelled image dataset (mnist, "
                              "fashion-mnist, digits)")
        ctx.cache["_embeddings"] = (*model.embed(ctx.fake), *model.embed(ctx.real))
    return ctx.cache["_embeddings"]


@register("fid")
def _fid(ctx) -> dict:
    f_fake, _, f_real, _ = _embeddings(ctx)
    return {"fid": frechet_distance(f_fake, f_real)}


@register("kid")
def _kid(ctx) -> dict:
    f_fake, _, f_real, _ = _embeddings(ctx)
    mean, std = kernel_distance(f_fake, f_real)
    return {"kid": mean, "kid_std": std}


@register("pr")
def _pr(ctx) -> dict:
    f_fake, _, f_real, _ = _embeddings(ctx)
    return precision_recall(f_fake, f_real)


@register("classes")
def _classes(ctx) -> dict:
    _, p_fake, _, _ = _embeddings(ctx)
    out = class_coverage(p_fake)
    out["confidence"] = confidence_score(p_fake)
    return out
