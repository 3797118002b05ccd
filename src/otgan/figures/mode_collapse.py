"""Mode collapse: the same GAN trained with Adam and with SGD, as in the lecture "GAN and WGAN
Training" ("same as before but with SGD instead of Adam": the generator always produces the
same image).

On scikit-learn's 8 x 8 digits (``--data digits``), the lecture's minimax GAN (``gan``: binary
cross-entropy, saturating generator loss), the MLP pair (``--arch mlp``, fast on a CPU), every
setting equal but the optimizer of both networks: Adam with the MNIST notebook's betas (0.5,
0.999) or plain SGD, at the lecture's learning rate 2e-4 and at 1e-2.  Measured with otgan's
``classes`` metric (classes covered by 2000 generated digits according to otgan's digits
classifier, KL of their class histogram to uniform) every few hundred updates, the diversity of
500 samples (mean pairwise distance, over that of held-out digits) and the mean distance of a
sample to its nearest training digit (over that of held-out digits: near 1 for samples that look
like digits, large for noise).  A run is called collapsed when it covers at most 2 classes with a
diversity ratio below 0.3 while its samples stay digit-like (nearest-digit ratio below 2),
not learned when its samples are not digit-like; the verdicts are measured, never assumed.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..config import resolve
from ..training.fit import train
from ..viz import style
from ..viz.plots import image_grid

SUMMARY = "the same GAN with Adam and with SGD on digits: class coverage and sample grids"
BASE = dict(data="digits", method="gan", arch="mlp", metrics="classes", eval_background=False,
            tensorboard=False, checkpoint_every=0, seed=0, threads=1)
#: (label, optimizer, learning rate); quick keeps the lr 1e-2 pair
RUNS = (("Adam, lr 2e-4", "adam", 2e-4), ("SGD, lr 2e-4", "sgd", 2e-4),
        ("Adam, lr 1e-2", "adam", 1e-2), ("SGD, lr 1e-2", "sgd", 1e-2))
COLLAPSED = dict(max_classes=2, max_diversity=0.3, max_nearest=2.0)


def diversity(x: torch.Tensor) -> float:
    """Mean pairwise Euclidean distance of flattened images."""
    return float(torch.pdist(x.flatten(1).double()).mean())


def nearest_distance(x: torch.Tensor, train_x: torch.Tensor) -> float:
    """Mean distance of each image to its nearest training image."""
    return float(torch.cdist(x.flatten(1).double(), train_x.flatten(1).double()).min(1)
                 .values.mean())


def verdict(classes: int, diversity_ratio: float, nearest_ratio: float) -> str:
    if nearest_ratio >= COLLAPSED["max_nearest"]:
        return "not learned (samples unlike any digit)"
    if classes <= COLLAPSED["max_classes"] and diversity_ratio < COLLAPSED["max_diversity"]:
        return "collapsed"
    return "not collapsed"


def train_one(optimizer: str, lr: float, steps: int) -> dict:
    betas = dict(beta1=0.5, beta2=0.999) if optimizer == "adam" else {}
    cfg = resolve(dict(BASE, optimizer=optimizer, lr_g=lr, lr_d=lr, steps=steps,
                       eval_every=max(steps // 6, 1), **betas))
    run = train(cfg)
    curve = [{k: r[k] for k in ("step", "classes_covered", "class_kl", "confidence")}
             for r in run.history if "classes_covered" in r]
    ds = run.dataset
    x = torch.as_tensor(run.sample(500, seed=1))
    real = ds.test[:500]
    div, div_real = diversity(x), diversity(real)
    near, near_real = nearest_distance(x, ds.train), nearest_distance(real, ds.train)
    last = curve[-1]
    out = {"optimizer": optimizer, "lr": lr, "steps": steps, "curve": curve,
           "classes_covered": last["classes_covered"], "class_kl": last["class_kl"],
           "diversity": div, "diversity_real": div_real, "diversity_ratio": div / div_real,
           "nearest_digit_distance": near, "nearest_digit_distance_real": near_real,
           "nearest_ratio": near / near_real}
    out["verdict"] = verdict(out["classes_covered"], out["diversity_ratio"], out["nearest_ratio"])
    out["_grid"] = image_grid(run.sample(64, seed=2), nrow=8)
    return out


def make(out: Path, quick: bool = False) -> dict:
    steps = 1000 if quick else 3000
    runs = RUNS[2:] if quick else RUNS
    numbers: dict = {"settings": {k: v for k, v in BASE.items() if k not in ("metrics",)},
                     "steps": steps, "collapse_criteria": COLLAPSED, "runs": {}}
    fig, axes = style.figure(len(runs) + 1, size=3.2)
    for i, (label, opt, lr) in enumerate(runs):
        r = train_one(opt, lr, steps)
        grid = r.pop("_grid")
        numbers["runs"][label] = r
        axes[i].imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axes[i].set_axis_off()
        axes[i].set_title(f"{label}: {r['classes_covered']} classes, KL {r['class_kl']:.2f}\n"
                          f"diversity {r['diversity_ratio']:.2f}: {r['verdict']}", fontsize=8)
        steps_seen = [c["step"] for c in r["curve"]]
        axes[-1].plot(steps_seen, [c["classes_covered"] for c in r["curve"]], "o-", ms=3,
                      label=label)
    axes[-1].set_xlabel("generator updates", fontsize=8)
    axes[-1].set_ylabel("classes covered (of 10)", fontsize=8)
    axes[-1].set_ylim(0, 10.5)
    axes[-1].set_title("class coverage during training", fontsize=9)
    axes[-1].legend(fontsize=7)
    verdicts = {k: v["verdict"] for k, v in numbers["runs"].items()}
    numbers["collapse_shown"] = any(v == "collapsed" for k, v in verdicts.items()
                                    if k.startswith("SGD"))
    numbers["verdicts"] = verdicts
    style.save(fig, out / "mode-collapse.png")
    return numbers

