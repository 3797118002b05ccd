"""The power iteration of spectral normalization (SN-GAN, Miyato et al. 2018) against the SVD.

sngan divides every critic layer's weight W by sigma(W), its largest singular value, estimated
as in the WGAN lecture: v <- W^T u / |W^T u|, u <- W v / |W v|, sigma ~ u^T W v.  otgan uses
torch's ``spectral_norm`` parametrization (``methods/spectral.py``), which runs one such
iteration per forward pass in training mode, keeping u and v between passes.

(a) From random unit vectors u, v (seeded), the estimate after each iteration for every layer of
two sngan critics built by otgan (the toy MLP 2-128-64-1 and the DCGAN critic for 28 x 28
images, whose convolution kernels torch normalizes as (out, in * k * k) matrices), against
torch.linalg.svdvals of the same matrix.  u^T W v <= sigma_1 for unit u, v, and the estimate
approaches it from below; the error falls like (sigma_2 / sigma_1)^(2k).
(b) After training (a critic trained alone, ``fit_critic``), the running estimate, one iteration
per forward pass while W moves, against the SVD of the final weights.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from ..config import resolve
from ..methods.registry import make_method
from ..nets.build import build_networks
from ..training.critic_fit import fit_critic
from ..viz import style

SUMMARY = "spectral normalization's sigma estimate per power iteration against the SVD"
CRITICS = (("toy MLP critic", (2,)), ("DCGAN critic, 28x28 images", (1, 28, 28)))


def normalized_layers(critic) -> list:
    """The layers carrying torch's spectral_norm parametrization, input first."""
    return [m for m in critic.modules() if hasattr(m, "parametrizations")]


def layer_matrix(layer) -> torch.Tensor:
    """The unnormalized weight as the matrix torch normalizes: (out, everything else)."""
    return layer.parametrizations.weight.original.detach().flatten(1)


def sigma_estimate(layer) -> float:
    """u^T W v with the parametrization's current u, v (what the next division uses)."""
    pn = layer.parametrizations.weight[0]
    return float(torch.vdot(pn._u, layer_matrix(layer) @ pn._v))


def power_iterations(layer, iterations: int, seed: int) -> list[float]:
    """Restart u, v at random unit vectors, then read the estimate after each of ``iterations``
    forward passes of the parametrization in training mode (one power iteration each)."""
    pn = layer.parametrizations.weight[0]
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        pn._u.copy_(F.normalize(torch.randn(pn._u.shape, generator=g), dim=0))
        pn._v.copy_(F.normalize(torch.randn(pn._v.shape, generator=g), dim=0))
    pn.train()
    out = []
    for _ in range(iterations):
        with torch.no_grad():
            layer.weight  # noqa: B018  (the parametrization's forward: one power iteration)
        out.append(sigma_estimate(layer))
    return out


def sngan_critic(data_shape: tuple, seed: int = 0):
    cfg = resolve(dict(method="sngan", seed=seed))
    torch.manual_seed(seed)
    _, critic = build_networks(cfg, data_shape)
    return make_method(cfg).prepare_critic(critic)


def make(out: Path, quick: bool = False) -> dict:
    iterations = 30 if quick else 100
    train_steps = 100 if quick else 2000
    numbers: dict = {"iterations": iterations, "layers": []}
    fig, axes = style.figure(3, size=4.0)
    for c, (critic_name, shape) in enumerate(CRITICS):
        ax = axes[c]
        for i, layer in enumerate(normalized_layers(sngan_critic(shape))):
            w = layer_matrix(layer)
            sv = torch.linalg.svdvals(w.double())
            est = power_iterations(layer, iterations, seed=100 + i)
            s1 = float(sv[0])
            ratio = float(sv[1] / sv[0]) if sv.numel() > 1 else 0.0
            err = [abs(s1 - e) / s1 for e in est]
            numbers["layers"].append({
                "critic": critic_name, "layer": i, "matrix": list(w.shape),
                "svd_sigma": s1, "svd_sigma2": float(sv[1]) if sv.numel() > 1 else 0.0,
                "estimates": est, "relative_errors": err,
                "relative_error_final": err[-1]})
            name = f"layer {i + 1} ({w.shape[0]}x{w.shape[1]}, σ₂/σ₁ = {ratio:.2f})"
            line, = ax.semilogy(range(1, iterations + 1), [max(e, 1e-9) for e in err], "-",
                                lw=1.2, label=name)
            ax.semilogy(range(1, iterations + 1),
                        [max(err[0] * ratio ** (2 * (k - 1)), 1e-9)
                         for k in range(1, iterations + 1)], ":", color=line.get_color(), lw=0.8)
        ax.set_xlabel("power iterations from random u, v", fontsize=8)
        ax.set_ylabel("|σ estimate - SVD σ₁| / σ₁", fontsize=8)
        ax.set_title(f"sngan {critic_name}\n(dotted: (σ₂/σ₁)^(2k) from the first error)",
                     fontsize=9)
        ax.legend(fontsize=6)
    r = fit_critic("ring", "ring", method="sngan", steps=train_steps, shift=(1.0, 0.0))
    trained = []
    for i, layer in enumerate(normalized_layers(r["critic"])):
        s1 = float(torch.linalg.svdvals(layer_matrix(layer).double())[0])
        est = sigma_estimate(layer)
        trained.append({"layer": i, "svd_sigma": s1, "estimate": est,
                        "relative_error": abs(est - s1) / s1})
    numbers["trained"] = {"steps": train_steps, "data": "ring vs ring + (1, 0)",
                          "layers": trained}
    ax = axes[2]
    xs = range(1, len(trained) + 1)
    ax.bar([x - 0.2 for x in xs], [t["svd_sigma"] for t in trained], 0.4, label="SVD σ₁",
           color=style.REAL)
    ax.bar([x + 0.2 for x in xs], [t["estimate"] for t in trained], 0.4,
           label="running estimate uᵀWv", color=style.FAKE)
    for x, t in zip(xs, trained):
        ax.text(x, max(t["svd_sigma"], t["estimate"]), f"{t['relative_error']:.0e}",
                fontsize=7, ha="center", va="bottom")
    ax.set_xticks(list(xs))
    ax.set_xlabel("critic layer (relative error above)", fontsize=8)
    ax.set_title(f"toy critic after {train_steps} sngan updates\n(one iteration per forward "
                 f"pass while W moves)", fontsize=9)
    ax.legend(fontsize=7)
    style.save(fig, out / "power-iteration.png")
    return numbers
