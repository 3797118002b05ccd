"""Calibration of the image metrics: real images, a one-class generator and noise.

Against up to 2000 held-out images of DATA, three stand-ins for a generator: real training
images, real training images of class 0 only (total mode collapse), uniform noise in [-1, 1].
Prints a markdown table (docs/images.md holds what it printed).  Trains and caches the
dataset's classifier first if needed.

    python bench/calibrate_image_metrics.py mnist
"""

from __future__ import annotations

import argparse

import torch

from otgan.data import load_dataset
from otgan.metrics import images as I


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default="mnist")
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    ds = load_dataset(args.data)
    model = I.load_classifier(ds)
    n = min(args.n, ds.test.shape[0])
    g = torch.Generator().manual_seed(0)
    f_real, _ = model.embed(ds.test[:n])
    cands = {"real training images": ds.train[torch.randperm(ds.train.shape[0], generator=g)[:n]],
             "one class only (real 0s)": ds.train[ds.train_labels == 0][:n],
             "uniform noise": torch.rand(n, *ds.train.shape[1:], generator=g) * 2 - 1}
    acc = I.accuracy(model, ds.test, ds.test_labels)
    print(f"{args.data}: classifier test accuracy {acc:.4f}; {n} images each vs {n} held-out\n")
    print("| stand-in | FID | KID | precision | recall | classes covered | class KL | confidence |")
    print("|---|---|---|---|---|---|---|---|")
    for name, x in cands.items():
        f, p = model.embed(x)
        kid, _ = I.kernel_distance(f, f_real)
        pr, cc = I.precision_recall(f, f_real), I.class_coverage(p)
        print(f"| {name} | {I.frechet_distance(f, f_real):.2f} | {kid:.3f} | "
              f"{pr['precision']:.3f} | {pr['recall']:.3f} | {cc['classes_covered']} | "
              f"{cc['class_kl']:.3f} | {I.confidence_score(p):.2f} |")


if __name__ == "__main__":
    main()
