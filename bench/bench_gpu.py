"""The GPU path on MNIST: speed of otgan against the course's MNIST notebook loop, and whether bf16
autocast changes the result.  Needs CUDA (run it on a lent GPU).

(a) Speed, in one process: WGAN-GP (lambda 10, Adam 1e-4, betas (0, 0.9), n_critic 5) at batch
    ``--batch`` (the MNIST notebook's 1024) for the DCGAN and MLP pairs: the notebook loop (per-image
    transform, shuffling DataLoader), otgan in fp32, otgan under bf16 autocast, and otgan with
    ``torch.compile`` on the generator.  Prints ms per critic update (generator updates
    included), critic updates per second and seconds per MNIST epoch (60000 real images).
(b) Result, fp32 against bf16: the same seed and configuration trained for ``--steps``
    generator updates in each precision, then FID, KID, precision/recall and class coverage of
    the EMA-free generator on ``--eval-n`` samples against held-out images.

    python bench/bench_gpu.py                       # both parts
    python bench/bench_gpu.py --skip-quality        # speed only
"""

from __future__ import annotations

import argparse
import time

import torch

from bench_mnist import N_CRITIC, _sync, otgan_loop, reference_loop
from otgan import api
from otgan.data import load_dataset
from otgan.data.images import SOURCES, _load_cache, fetch
from otgan.training.loop import train_loop
from otgan.training.build import start_run


def speed(args, dataset, raw) -> None:
    per_epoch = 60000 // args.batch
    print(f"(a) WGAN-GP, batch {args.batch}, n_critic {N_CRITIC}; an epoch = {per_epoch} critic "
          f"updates; {args.batches} timed updates (notebook: {args.ref_batches})")
    print("| model | loop | ms / critic update | critic updates / s | s / epoch | vs notebook |")
    print("|---|---|---|---|---|---|")
    for arch in args.archs.split(","):
        torch.manual_seed(0)
        ref = reference_loop(raw["x_train"], arch, args.batch, args.ref_batches, args.device,
                             args.latent)
        rows = [("notebook (DataLoader)", ref)]
        for label, kw in (("otgan fp32", {}), ("otgan bf16", dict(precision="bf16")),
                          ("otgan fp32 + compiled G", dict(compile_generator=True))):
            try:
                t = otgan_loop(dataset, arch, args.batch, args.batches, args.device,
                               args.latent, **kw)
            except Exception as e:  # a failing variant is reported, not fatal
                print(f"| {arch} | {label} | failed: {type(e).__name__}: {str(e)[:80]} |")
                continue
            rows.append((label, t))
        for label, t in rows:
            print(f"| {arch} | {label} | {t * 1e3:.2f} | {1 / t:.0f} | {t * per_epoch:.2f} | "
                  f"{ref / t:.1f}x |", flush=True)


def quality(args, dataset) -> None:
    print(f"\n(b) fp32 vs bf16: wgan-gp {args.preset} preset, dcgan, batch {args.qbatch}, "
          f"{args.steps} generator updates, seed 0; metrics on {args.eval_n} samples")
    print("| precision | train s | critic estimate | FID | KID | precision | recall | classes "
          "| confidence |")
    print("|---|---|---|---|---|---|---|---|---|")
    for precision in ("fp32", "bf16"):
        cfg = api.make_config(None, None, dict(
            data="mnist", method="wgan-gp", preset=args.preset, arch="dcgan",
            batch_size=args.qbatch, device=args.device, steps=args.steps, eval_every=0,
            log_every=100, threads=0, precision=precision, seed=0, ema=0.0))
        run = start_run(cfg, dataset)
        _sync(args.device)
        t0 = time.perf_counter()
        train_loop(run.state, run.method, cfg, progress=False)
        _sync(args.device)
        secs = time.perf_counter() - t0
        m = run.evaluate(["fid", "kid", "pr", "classes", "critic"], n=args.eval_n)
        print(f"| {precision} | {secs:.1f} | {m['w_estimate']:.3f} | {m['fid']:.2f} | "
              f"{m['kid']:.4f} | {m['precision']:.3f} | {m['recall']:.3f} | "
              f"{m['classes_covered']} | {m['confidence']:.2f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--batches", type=int, default=300, help="timed critic updates (otgan)")
    ap.add_argument("--ref-batches", type=int, default=40, help="timed updates (notebook)")
    ap.add_argument("--archs", default="dcgan,mlp")
    ap.add_argument("--latent", type=int, default=128)
    ap.add_argument("--steps", type=int, default=2000, help="generator updates of part (b)")
    ap.add_argument("--qbatch", type=int, default=256, help="batch of part (b)")
    ap.add_argument("--preset", default="paper")
    ap.add_argument("--eval-n", type=int, default=10000)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-quality", action="store_true")
    args = ap.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("bench_gpu.py needs CUDA (or --device cpu for a smoke test)")
    name = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    print(f"torch {torch.__version__}, {name}, "
          f"cudnn.allow_tf32={torch.backends.cudnn.allow_tf32}, "
          f"matmul precision {torch.get_float32_matmul_precision()}")
    dataset = load_dataset("mnist")
    if not args.skip_speed:
        speed(args, dataset, _load_cache(SOURCES["mnist"], fetch("mnist")))
    if not args.skip_quality:
        quality(args, dataset)


if __name__ == "__main__":
    main()
