"""Weight clipping: the bound holds after every critic step, for runs and stacked members."""

import pytest
import torch

from otgan.methods.clipping import clip_
from otgan.training.build import start_run
from otgan.training.datasets import dataset_for
from otgan.training.loop import train_loop
from tests.conftest import quick_config


def test_weights_within_clip_after_every_critic_step():
    cfg = quick_config(method="wgan-clip", clip=0.02, steps=15, n_critic=3)
    run = start_run(cfg, dataset_for(cfg))
    method = run.method
    original = method.after_critic_step
    checked = []

    def after(critic):
        original(critic)
        worst = max(float(p.detach().abs().max()) for p in critic.parameters())
        checked.append(worst)
        assert worst <= 0.02

    method.after_critic_step = after
    train_loop(run.state, method, cfg, progress=False)
    assert len(checked) == 15 * 3
    # the bound is active: without clipping, Adam/RMSprop steps would leave it
    assert max(checked) == pytest.approx(0.02)


def test_per_member_bounds_on_a_stacked_buffer():
    row = torch.tensor([-1.0, -0.3, 0.3, 1.0])
    flat = row.repeat(3, 1)
    clip_([flat], torch.tensor([0.1, 0.5, 2.0]))
    assert torch.equal(flat[0], torch.tensor([-0.1, -0.1, 0.1, 0.1]))
    assert torch.equal(flat[1], torch.tensor([-0.5, -0.3, 0.3, 0.5]))
    assert torch.equal(flat[2], row)  # within its bound: untouched
