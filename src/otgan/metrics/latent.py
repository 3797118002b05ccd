"""Metrics of a run's encoder E: x -> z (BiGAN): how well G(E(x)) reconstructs held-out x, and
what E(x) knows of x's class.

  * ``reconstruction``: mean squared error per coordinate of G(E(x)) against held-out x, and the
    same error for G(z) with z a draw of the latent law (the trivial baseline: a generator that
    ignores x; a ratio near 1 means E carries nothing of x);
  * ``latent_classes`` (labelled images): the fraction of held-out images whose reconstruction
    G(E(x)) gets x's label from otgan's classifier (chance: 1 / classes);
  * ``latent_knn`` (labelled images): 1-nearest-neighbour class accuracy of E(x) features,
    held-out queries against encoded training images (the BiGAN paper's use of the encoder).
"""

from __future__ import annotations

import torch

from .registry import register

#: encoded training images the nearest-neighbour classifier compares with
KNN_REFERENCES = 10000


def reconstruction_error(x: torch.Tensor, recon: torch.Tensor, baseline: torch.Tensor) -> dict:
    """Mean squared error per coordinate of ``recon`` and of ``baseline`` against ``x``, and
    their ratio."""
    mse = float((recon.double() - x.double()).pow(2).mean())
    base = float((baseline.double() - x.double()).pow(2).mean())
    return {"recon_mse": mse, "recon_baseline_mse": base,
            "recon_ratio": mse / base if base > 0 else None}


def nearest_neighbour_accuracy(queries: torch.Tensor, labels: torch.Tensor,
                               refs: torch.Tensor, ref_labels: torch.Tensor,
                               chunk: int = 2048) -> float:
    """Fraction of ``queries`` whose nearest reference (Euclidean) has the query's label."""
    refs = refs.double()
    hits = 0
    for i in range(0, queries.shape[0], chunk):
        nearest = torch.cdist(queries[i:i + chunk].double(), refs).argmin(1)
        hits += int((ref_labels[nearest] == labels[i:i + chunk]).sum())
    return hits / max(queries.shape[0], 1)


def _codes(ctx):
    """E(real) and G(E(real)) (once per context)."""
    if "_latent_codes" not in ctx.cache:
        z = ctx.to_latent(ctx.real)
        ctx.cache["_latent_codes"] = (z, ctx.from_latent(z))
    return ctx.cache["_latent_codes"]


@register("reconstruction")
def _reconstruction(ctx) -> dict:
    _, recon = _codes(ctx)
    baseline = ctx.from_latent(ctx.prior(ctx.real.shape[0]))
    return reconstruction_error(ctx.real, recon, baseline)


@register("latent_classes")
def _latent_classes(ctx) -> dict:
    _, recon = _codes(ctx)
    _, probs = ctx.classifier().embed(recon)
    return {"recon_class_agreement": float((probs.argmax(1) == ctx.real_labels).double().mean())}


@register("latent_knn")
def _latent_knn(ctx) -> dict:
    z, _ = _codes(ctx)
    train, labels = ctx.train_labelled()
    refs = ctx.to_latent(train[:KNN_REFERENCES])
    return {"encoder_knn_accuracy": nearest_neighbour_accuracy(
        z, ctx.real_labels, refs, labels[:KNN_REFERENCES])}
