"""The GPU path, end to end (skipped where CUDA is not available; run on a lent GPU with
``pytest tests/test_cuda.py``)."""

import numpy as np
import pytest
import torch

import otgan
from otgan.training.build import start_run
from otgan.training.datasets import dataset_for
from otgan.metrics import wasserstein1
from otgan.training.loop import train_loop
from tests.conftest import quick_config

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def _weights(run):
    return torch.cat([p.detach().flatten().cpu() for p in run.generator.parameters()])


def test_ring_on_cuda_learns_and_its_folder_opens_on_the_cpu(tmp_path):
    cfg = quick_config(device="cuda", steps=300, batch_size=256, n_train=4000, eval_every=150,
                       eval_n=1000)
    run = otgan.train(cfg, out=tmp_path / "run")
    assert run.device.type == "cuda" and run.state.sampler.data.is_cuda
    evals = [r for r in run.history if r.get("eval")]
    assert evals[-1]["w1"] < 0.5 * evals[0]["w1"] or evals[-1]["w1"] < 0.2
    on_cpu = otgan.load_run(tmp_path / "run", device="cpu")
    a, b = on_cpu.sample(500, seed=3), run.sample(500, seed=3)
    assert np.allclose(a, b, atol=1e-4)


def test_cuda_runs_are_reproducible():
    a = otgan.train(quick_config(device="cuda", method="wgan-gp"))
    b = otgan.train(quick_config(device="cuda", method="wgan-gp"))
    assert torch.allclose(_weights(a), _weights(b), atol=1e-6)


@pytest.mark.parametrize("method", ["wgan-gp", "sngan", "sd-wgan", "wgan-clip"])
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_images_on_cuda_with_image_metrics(method, precision, shared_data_home):
    cfg = quick_config(data="digits", device="cuda", method=method, precision=precision,
                       steps=30, batch_size=64, eval_n=200, n_critic=2)
    run = start_run(cfg, dataset_for(cfg))
    train_loop(run.state, run.method, cfg, progress=False)
    out = run.evaluate(n=200)
    for k in ("fid", "kid", "precision", "recall", "classes_covered"):
        assert np.isfinite(out[k]), (k, out)


def test_bf16_and_fp32_agree_on_a_short_ring_run():
    res = {}
    for precision in ("fp32", "bf16"):
        cfg = quick_config(device="cuda", steps=300, batch_size=256, n_train=4000,
                           precision=precision)
        run = start_run(cfg, dataset_for(cfg))
        ctx = run.eval_context(1000)
        train_loop(run.state, run.method, cfg, progress=False)
        res[precision] = wasserstein1(run.eval_context(1000).fake, ctx.real)
    assert abs(res["bf16"] - res["fp32"]) < 0.2 * res["fp32"], res
