"""The latent metrics on cases with known answers."""

import pytest
import torch

from otgan.metrics import EvalContext, compute
from otgan.metrics.latent import nearest_neighbour_accuracy, reconstruction_error


def test_reconstruction_error_and_its_ratio_to_the_baseline():
    x = torch.zeros(4, 2)
    recon = torch.full((4, 2), 0.5)  # error 0.25 per coordinate
    baseline = torch.full((4, 2), 1.0)  # error 1
    out = reconstruction_error(x, recon, baseline)
    assert out == {"recon_mse": 0.25, "recon_baseline_mse": 1.0, "recon_ratio": 0.25}


def test_nearest_neighbour_accuracy_counts_the_label_of_the_closest_reference():
    refs = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    ref_labels = torch.tensor([0, 1])
    queries = torch.tensor([[1.0, 0.0], [9.0, 0.0], [4.0, 0.0], [6.0, 0.0]])
    labels = torch.tensor([0, 1, 1, 1])  # the third is closer to the label-0 reference
    assert nearest_neighbour_accuracy(queries, labels, refs, ref_labels, chunk=3) == 0.75


def test_registered_reconstruction_of_an_exact_encoder_is_zero():
    # latent space = data space, E = G = identity: reconstructions are exact, and the baseline
    # is the mean squared distance between the data and independent draws
    g = torch.Generator().manual_seed(0)
    real = torch.randn(500, 2, generator=g)
    prior = torch.randn(500, 2, generator=g)
    ctx = EvalContext(fake=real, real=real, to_latent=lambda x: x, from_latent=lambda z: z,
                      prior=lambda n: prior[:n])
    out = compute(["reconstruction"], ctx)
    assert out["recon_mse"] == 0.0 and out["recon_ratio"] == 0.0
    assert out["recon_baseline_mse"] == pytest.approx(float((prior - real).pow(2).mean()))


def test_registered_class_metrics_with_a_perfect_classifier_and_codes():
    # images whose class is the sign of their first pixel, a classifier that reads it, codes =
    # the images: agreement 1 and 1-NN accuracy 1; a constant generator agrees on one class only
    class SignClassifier(torch.nn.Module):
        def embed(self, x):
            p = (x.flatten(1)[:, :1] > 0).double()
            return x.flatten(1).double(), torch.cat([1 - p, p], 1)

    g = torch.Generator().manual_seed(1)
    real = torch.randn(200, 1, 2, 2, generator=g)
    labels = (real.flatten(1)[:, 0] > 0).long()
    train = torch.randn(300, 1, 2, 2, generator=g)
    train_labels = (train.flatten(1)[:, 0] > 0).long()
    ctx = EvalContext(fake=real, real=real, to_latent=lambda x: x.flatten(1),
                      from_latent=lambda z: z.reshape(-1, 1, 2, 2),
                      classifier=lambda: SignClassifier(), real_labels=labels,
                      train_labelled=lambda: (train, train_labels))
    out = compute(["latent_classes", "latent_knn"], ctx)
    assert out["recon_class_agreement"] == 1.0
    assert out["encoder_knn_accuracy"] > 0.9  # neighbours across the sign boundary may differ
    ctx.cache.clear()
    ctx.from_latent = lambda z: torch.ones(z.shape[0], 1, 2, 2)  # every reconstruction: class 1
    out = compute(["latent_classes"], ctx)
    assert out["recon_class_agreement"] == pytest.approx(float(labels.double().mean()))
