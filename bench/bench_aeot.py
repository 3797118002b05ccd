"""AE-OT on an image set: one run trained (or read), then its generator read at several
extensions (``aeot_blend``, ``aeot_angle``), each beside the data's own value read the same way.

    python bench/bench_aeot.py --data mnist --steps 4000 --out runs/aeot-mnist
    python bench/bench_aeot.py --run runs/aeot-mnist --blends 0,0.25,0.5 --angles 0.05,0.1,3.1416

Readings (otgan's image metrics, ``n`` generated images against ``n`` held-out ones): FID, KID,
precision, recall, classes covered and class KL; ``nearest``: the mean distance of a generated
image to its nearest training image over that of held-out images (below 1: closer to the
training images than new data is, i.e. copying; the data's own row is 1 by construction);
``latent TV``: the total variation between the classes' shares of the latent law (each latent
point counted for the class of its cell's code) and the classes' frequencies.  The data's row is
a second draw of real images (the training split) read by the same code: the ceiling.  The
extension changes nothing in training, so every reading comes from the one run.
"""

from __future__ import annotations

import argparse
import math
import platform
import time

import torch

import otgan
from otgan.figures.mode_collapse import nearest_distance
from otgan.metrics import compute

NAMES = ["fid", "kid", "pr", "classes"]
COLUMNS = ("fid", "kid", "precision", "recall", "classes_covered", "class_kl")


def readings(run, fake: torch.Tensor, n: int, data: bool = False) -> dict:
    """The metrics of ``fake`` against the run's held-out images; ``data``: ``fake`` is real
    training images, whose nearest training image is themselves: their ``nearest`` is the
    held-out images' own, 1 by construction."""
    ctx = run.eval_context(n)
    ctx.fake = fake[:n]
    out = compute(NAMES, ctx)
    if data:
        out["nearest"] = 1.0
        return out
    train = run.dataset.train
    ref = nearest_distance(run.dataset.test[:1000], train)
    out["nearest"] = nearest_distance(fake[:1000], train) / ref
    return out


def latent_class_tv(run, n: int = 50000) -> float | None:
    labels = run.dataset.train_labels
    dual = run.critic
    if labels is None or not bool(dual.ready):
        return None
    z = run.latents(n, run.eval_seed + 5)
    cells = torch.cat([dual.assign(p) for p in z.split(4096)])
    share = torch.bincount(labels[cells], minlength=int(labels.max()) + 1).double() / n
    freq = torch.bincount(labels, minlength=share.numel()).double() / labels.numel()
    return float(0.5 * (share - freq).abs().sum())


def row(label: str, v: dict) -> str:
    cells = [f"{v[k]:.2f}" if k == "fid" else f"{v[k]:.3f}" if isinstance(v[k], float)
             else str(v[k]) for k in COLUMNS]
    return f"| {label} | " + " | ".join(cells) + f" | {v['nearest']:.3f} |"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", help="a trained ae-ot run folder (else one is trained)")
    p.add_argument("--data", default="mnist")
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--preset", default="images")
    p.add_argument("--out", default="runs/bench-aeot")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n", type=int, default=2000, help="images per reading")
    p.add_argument("--blends", default="0,0.25,0.5")
    p.add_argument("--angles", default="0.1,3.1416")
    a = p.parse_args()
    torch.set_num_threads(1)
    t0, trained = time.perf_counter(), a.run is None
    if a.run is None:
        otgan.train(data=a.data, method="ae-ot", preset=a.preset, steps=a.steps, seed=a.seed,
                    eval_every=0, out=a.out, overwrite=True, threads=1, progress=False)
        a.run = a.out
    run = otgan.load_run(a.run)
    cfg = run.config
    machine = platform.processor() or platform.machine()
    how = (f"trained in {time.perf_counter() - t0:.0f} s" if trained else f"read from {a.run}")
    print(f"# ae-ot on {cfg.data}: {cfg.steps} updates ({cfg.aeot_ae_steps} of the "
          f"autoencoder), latent {cfg.latent} dim {run.latent_dim}; {machine}, torch "
          f"{torch.__version__}, one thread; {how}")
    tv = latent_class_tv(run)
    if tv is not None:
        print(f"latent TV (classes' shares of the latent law against their frequencies): {tv:.4f}")
    print("| reading | FID | KID | precision | recall | classes | class KL | nearest |")
    print("|---|---|---|---|---|---|---|---|")
    print(row("the data (training images)", readings(run, run.dataset.train, a.n, data=True)),
          flush=True)
    G = run.sampling_generator
    z = run.latents(a.n, run.eval_seed)
    for blend in (float(b) for b in a.blends.split(",")):
        for angle in (float(x) for x in a.angles.split(",")):
            G.blend, G.angle = blend, angle
            t = time.perf_counter()
            fake = run.generate(z).cpu()
            gen = time.perf_counter() - t
            v = readings(run, fake, a.n)
            angle_s = "none" if angle >= math.pi else f"{angle:g}"
            print(row(f"blend {blend:g}, angle {angle_s} ({gen:.1f} s / {a.n})", v),
                  flush=True)


if __name__ == "__main__":
    main()
