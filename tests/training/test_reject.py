"""Discriminator rejection sampling (training/reject.py) on logits with a known density ratio,
and through a trained run."""

import numpy as np
import pytest
import torch

from otgan.errors import ConfigError
from otgan.training.reject import Rejection, acceptance, as_rejection, rejection_sample


def uniform_proposals(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return lambda k: torch.rand(k, 1, generator=gen, dtype=torch.float64)


def test_kept_samples_follow_the_data_density():
    """Proposals uniform on [0, 1] (p_G = 1), data density p(x) = 2x: the exact logit is
    log 2x, M = 2.  The kept samples have the data's mean 2/3 and P(x < 1/2) = 1/4, and half
    of the proposals are kept."""
    n = 20000
    x, info = rejection_sample(uniform_proposals(), lambda x: torch.log(2 * x[:, 0]), n,
                               Rejection(burn_in=5000), torch.Generator().manual_seed(1))
    assert x.shape == (n, 1)
    assert float(x.mean()) == pytest.approx(2 / 3, abs=0.01)  # standard error 0.0017
    assert float((x < 0.5).double().mean()) == pytest.approx(0.25, abs=0.015)
    assert info["acceptance"] == pytest.approx(0.5, abs=0.02)
    assert info["log_m"] == pytest.approx(np.log(2), abs=1e-3)


def test_a_constant_logit_keeps_every_proposal_in_order():
    draw = uniform_proposals(3)
    x, info = rejection_sample(draw, lambda x: torch.zeros(x.shape[0]), 100,
                               Rejection(burn_in=50, chunk=30), torch.Generator())
    expected = uniform_proposals(3)(150)[:100]
    assert torch.equal(x, expected) and info["acceptance"] == 1.0


def test_acceptance_probability():
    p = acceptance(torch.tensor([0.0, -1.0, 2.0]), 0.0)
    assert torch.allclose(p, torch.tensor([1.0, np.exp(-1.0), 1.0], dtype=torch.float64))


def test_a_discriminator_that_rejects_everything_is_an_error():
    with pytest.raises(ConfigError, match="kept"):
        rejection_sample(uniform_proposals(), lambda x: 200 * x[:, 0], 1000,
                         Rejection(burn_in=100, max_draws=2, chunk=100), torch.Generator())


def test_rejection_values():
    assert as_rejection(None) is None and as_rejection(False) is None
    assert as_rejection(True) == Rejection()
    assert as_rejection({"burn_in": 7}).burn_in == 7
    with pytest.raises(ConfigError):
        as_rejection({"gamma": 1})
    with pytest.raises(ConfigError):
        Rejection(burn_in=0)


def test_run_sample_rejects_with_a_density_ratio_discriminator_only():
    import otgan

    run = otgan.train(data="8gaussians", method="gan-r1", steps=30, seed=0, eval_every=0,
                      metrics="w1", progress=False)
    kept = run.sample(300, seed=3, reject={"burn_in": 500})
    assert kept.shape == (300, 2) and np.isfinite(kept).all()
    assert np.array_equal(kept, run.sample(300, seed=3, reject={"burn_in": 500}))
    assert not np.array_equal(kept, run.sample(300, seed=3))
    with pytest.raises(ConfigError, match="ask for one"):
        run.sample(10, reject=True, refine=5)
    wgan = otgan.train(data="8gaussians", method="wgan-gp", steps=2, seed=0, eval_every=0,
                       metrics="w1", progress=False)
    with pytest.raises(ConfigError, match="gan-r1"):
        wgan.sample(10, reject=True)
