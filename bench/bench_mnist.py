"""MNIST epoch time: otgan against a loop written like the course's MNIST notebook, same work,
same run.

The reference keeps the images as uint8 arrays and converts each one in ``__getitem__`` (what
``transforms.ToTensor()`` + ``Normalize((0.5,), (0.5,))`` do), batches them with a shuffling
``DataLoader``, and trains the notebook's networks (the critic without its sigmoid) with WGAN-GP
(lambda 10, Adam 1e-4, betas (0, 0.9)), one generator update every ``n_critic`` = 5 batches.
otgan runs the same method, networks, batch and n_critic from tensors resident on the device.
An epoch is 60000 real images through the critic; its time is extrapolated from ``--batches``
critic updates after a warm-up (printed as such).

    python bench/bench_mnist.py                        # conv and MLP pairs, batch 64
    python bench/bench_mnist.py --batch 1024 --device cuda --batches 200
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch.utils.data import DataLoader

from otgan import api
from otgan.data.images import SOURCES, _load_cache, fetch
from otgan.nets import build_networks
from otgan.training.loop import Hooks, train_loop
from otgan.training.build import start_run

N_CRITIC, LAMBDA = 5, 10.0


class NotebookMNIST(torch.utils.data.Dataset):
    """Per-image conversion, as torchvision's MNIST with ToTensor + Normalize((0.5,), (0.5,))."""

    def __init__(self, images: np.ndarray):
        self.images = images

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        x = torch.from_numpy(self.images[i]).float().div(255).unsqueeze(0)
        return (x - 0.5) / 0.5, 0


def reference_loop(images, arch, batch, batches, device, latent):
    cfg = api.make_config(None, None, dict(arch=arch, latent_dim=latent))
    G, D = (m.to(device) for m in build_networks(cfg, (1, 28, 28)))
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.0, 0.9))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.0, 0.9))
    loader = DataLoader(NotebookMNIST(images), batch_size=batch, shuffle=True, drop_last=True)
    done, t0 = 0, None
    while done < batches + 5:
        for i, (real, _) in enumerate(loader):
            if done == 5:  # warm-up over
                _sync(device)
                t0 = time.perf_counter()
            real = real.to(device)
            fake = G(torch.randn(real.size(0), latent, device=device)).detach()
            alpha = torch.rand(real.size(0), 1, 1, 1, device=device)
            x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            grad, = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
            gp = ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
            loss_d = D(fake).mean() - D(real).mean() + LAMBDA * gp
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            if (i + 1) % N_CRITIC == 0:
                loss_g = -D(G(torch.randn(real.size(0), latent, device=device))).mean()
                opt_g.zero_grad()
                loss_g.backward()
                opt_g.step()
            done += 1
            if done == batches + 5:
                break
    _sync(device)
    return (time.perf_counter() - t0) / batches


def otgan_loop(dataset, arch, batch, batches, device, latent, precision="fp32",
               compile_generator=False):
    cfg = api.make_config(None, None, dict(
        data="mnist", method="wgan-gp", preset="paper", arch=arch, latent_dim=latent,
        batch_size=batch, n_critic=N_CRITIC, device=device, steps=1, eval_every=0,
        log_every=10**9, threads=0, precision=precision))
    run = start_run(cfg, dataset)
    if compile_generator:  # the critic cannot be: the penalty needs a double backward
        run.generator.compile()
    cfg.steps = 3
    train_loop(run.state, run.method, cfg, Hooks(), progress=False)  # warm-up
    _sync(device)
    t0 = time.perf_counter()
    cfg.steps = 3 + batches // N_CRITIC
    train_loop(run.state, run.method, cfg, Hooks(), progress=False)
    _sync(device)
    return (time.perf_counter() - t0) / (batches // N_CRITIC * N_CRITIC)


def _sync(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--batches", type=int, default=40, help="timed critic updates per loop")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--archs", default="dcgan,mlp")
    ap.add_argument("--latent", type=int, default=128)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    raw = _load_cache(SOURCES["mnist"], fetch("mnist"))
    from otgan.data import load_dataset

    dataset = load_dataset("mnist")
    per_epoch = 60000 // args.batch
    print(f"torch {torch.__version__}, device {args.device}, {torch.get_num_threads()} threads; "
          f"WGAN-GP, batch {args.batch}, n_critic {N_CRITIC}; an epoch = {per_epoch} critic "
          f"updates, extrapolated from {args.batches} timed updates")
    for arch in args.archs.split(","):
        torch.manual_seed(0)
        ref = reference_loop(raw["x_train"], arch, args.batch, args.batches, args.device,
                             args.latent)
        ours = otgan_loop(dataset, arch, args.batch, args.batches, args.device, args.latent)
        print(f"  {arch:6s}: notebook loop {ref * 1e3:8.2f} ms/update, {ref * per_epoch:8.1f} "
              f"s/epoch;  otgan {ours * 1e3:8.2f} ms/update, {ours * per_epoch:8.1f} s/epoch;  "
              f"ratio {ref / ours:.2f}x")


if __name__ == "__main__":
    main()
