"""Weight clipping against the gradient penalty (the WGAN-GP paper's figure 1), on its numbers:
a deep clipped critic's gradients vanish towards the input, the penalized one's do not."""

import math

from otgan.figures import make_figure


def test_layer_gradients_vanish_with_clipping_and_not_with_the_penalty(tmp_path):
    n = make_figure("clip-vs-gp", tmp_path, quick=True)
    for name in ("clip-vs-gp.png", "clip-vs-gp-gradients.png", "clip-vs-gp.json"):
        assert (tmp_path / name).is_file()
    grads = n["layer_gradients"]
    gp = grads["gradient penalty, λ = 10"]
    assert len(gp) == 13 and max(gp) / min(gp) < 100  # within two orders of magnitude
    for c in ("0.01", "0.001"):
        g = grads[f"weight clipping, c = {c}"]
        assert g[-1] > 0 and g[0] < 1e-3 * g[-1], g  # vanishing towards the input
    assert all(math.isfinite(v) for g in grads.values() for v in g)
    assert set(n["surfaces"]) == {f"{d}/{m}" for d in ("8gaussians", "25gaussians", "swissroll")
                                  for m in ("wgan-clip", "wgan-gp")}
