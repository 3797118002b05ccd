"""Weight clipping against the gradient penalty, the WGAN-GP paper's figure 1 (Gulrajani et al.
2017): critics trained alone against a fixed "generator" = data + Gaussian noise.

(a) Their value surfaces on 8gaussians, 25gaussians and swissroll: the clipped critic (c =
0.01, the WGAN paper's value) is a very smooth function that ignores the data's structure; the
penalized one (lambda = 10, the WGAN-GP paper's value) follows it.
(b) The norm of the critic loss's gradient in each layer's weights, for a deep critic (12
hidden layers of 128) on swissroll: with clipping it explodes or vanishes from layer to layer
(c = 0.1, 0.01, 0.001), with the penalty it stays of one order of magnitude.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..training.critic_fit import fit_critic
from ..viz import style
from ..viz.plots import plot_critic, plot_extent
from ..viz.snapshots import critic_snapshot

SUMMARY = "weight clipping against the gradient penalty: value surfaces, gradients by layer"
DATASETS = ("8gaussians", "25gaussians", "swissroll")
NOISE = 0.1
SURFACE = dict(d_hidden="512,512,512")  # the WGAN-GP authors' toy critic
CLIP = dict(method="wgan-clip", clip=0.01)
PENALTY = dict(method="wgan-gp", gp_lambda=10.0)
DEEP = dict(d_hidden=",".join(["128"] * 12))
DEEP_CLIPS = (0.1, 0.01, 0.001)


def layer_gradient_norms(result: dict, batches: int = 5, seed: int = 0) -> list[float]:
    """||d critic loss / d W_l|| of every Linear layer (input first), averaged over batches of
    the held-out points."""
    critic, method = result["critic"], result["_method"]
    layers = [m for m in critic.modules() if isinstance(m, nn.Linear)]
    real, fake = result["_real_test"], result["_fake_test"]
    g = torch.Generator().manual_seed(seed)
    sums = torch.zeros(len(layers), dtype=torch.float64)
    for _ in range(batches):
        i = torch.randint(0, real.shape[0], (256,), generator=g)
        j = torch.randint(0, fake.shape[0], (256,), generator=g)
        loss, _ = method.critic_loss(critic, real[i], fake[j])
        grads = torch.autograd.grad(loss, [layer.weight for layer in layers])
        sums += torch.tensor([float(gr.norm()) for gr in grads], dtype=torch.float64)
    return (sums / batches).tolist()


def make(out: Path, quick: bool = False) -> dict:
    steps = 300 if quick else 2000
    numbers: dict = {"steps": steps, "noise": NOISE, "surfaces": {}, "layer_gradients": {}}
    fig, axes = style.figure(3, size=3.6, nrows=2)
    for col, data in enumerate(DATASETS):
        for row, (label, opts) in enumerate((("weight clipping, c = 0.01", CLIP),
                                             ("gradient penalty, λ = 10", PENALTY))):
            net = {} if quick else SURFACE  # quick: otgan's default 128-64 critic
            r = fit_critic(data, data, steps=steps, noise=NOISE, **net, **opts)
            real, fake = r["_real_test"], r["_fake_test"]
            extent = plot_extent(torch.cat([real, fake]), pad=0.1)
            snap = critic_snapshot(r["critic"], lambda x: x, extent, fake, steps)
            plot_critic(axes[row][col], snap, real[:1000], f"{data}: {label}", colorbar=False)
            numbers["surfaces"][f"{data}/{opts['method']}"] = {
                k: r[k] for k in ("w1", "w_estimate", "critic_gap", "w_critic_slope")}
    style.save(fig, out / "clip-vs-gp.png")
    fig, (ax,) = style.figure(size=4.2)
    deep_steps = 150 if quick else 1000
    for label, opts in [(f"weight clipping, c = {c:g}", dict(method="wgan-clip", clip=c))
                        for c in DEEP_CLIPS] + [("gradient penalty, λ = 10", PENALTY)]:
        r = fit_critic("swissroll", "swissroll", steps=deep_steps, noise=NOISE, **DEEP, **opts)
        norms = layer_gradient_norms(r)
        numbers["layer_gradients"][label] = norms
        ax.semilogy(range(1, len(norms) + 1), norms, "o-", ms=3, label=label)
    ax.set_xlabel("critic layer (input first)", fontsize=8)
    ax.set_ylabel("gradient norm of the critic loss", fontsize=8)
    ax.set_title(f"deep critics on swissroll, {deep_steps} updates", fontsize=9)
    ax.legend(fontsize=7)
    style.save(fig, out / "clip-vs-gp-gradients.png")
    numbers["deep_steps"] = deep_steps
    return numbers
