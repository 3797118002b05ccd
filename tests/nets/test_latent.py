import pytest
import torch

from otgan.nets.latent import sample_latent


def test_latent_distributions():
    g = torch.Generator().manual_seed(0)
    u = sample_latent("uniform", (20000, 2), generator=g)
    assert u.min() >= 0 and u.max() < 1 and torch.allclose(u.mean(0), torch.full((2,), 0.5),
                                                           atol=0.01)
    z = sample_latent("gaussian", (20000, 2), generator=g)
    assert torch.allclose(z.std(0), torch.ones(2), atol=0.02)
    with pytest.raises(ValueError, match="latent must be one of"):
        sample_latent("laplace", (2, 2))
