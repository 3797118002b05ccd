"""torch.distributed on the CPU (gloo, 2 processes) equals one process with the same global batch.

The workers are started as torchrun starts them (RANK, WORLD_SIZE, MASTER_ADDR/PORT in the
environment) and call the public ``otgan.train`` / ``otgan.resume``, which join the job
themselves: the Python API under torchrun behaves as ``otgan train`` does (same function).
"""

import os
import socket

import pytest
import torch
import torch.multiprocessing as mp

import otgan
from otgan.rundir import RunDir
from otgan.runtime.distributed import World, is_ddp
from otgan.training.build import start_run
from otgan.training.datasets import dataset_for
from otgan.training.loop import train_loop
from tests.conftest import quick_config

STEPS = 6


def config(method):
    # Plain SGD for the network critics: Adam's first steps move every weight by about lr
    # whatever the gradient's size, so a gradient that is 0 in one summation order and 1e-10
    # in another would differ by lr; SGD keeps float-rounding differences at rounding size.
    extra = {} if method == "sd-wgan" else dict(optimizer="sgd", lr_g=0.02, lr_d=0.02)
    return quick_config(method=method, steps=STEPS, batch_size=64, n_train=1000, ema=0.0,
                        n_critic=2, threads=1, tensorboard=False, metrics="w1", **extra)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_torchrun(rank, world, port):
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))


def _train_worker(rank, world, port, method, folder, out):
    import torch.distributed as dist

    from otgan.training import build

    _as_torchrun(rank, world, port)
    wrapped, original = [], build.wrap

    def wrap(module, device, world):  # (this worker process's own build module)
        wrapped.append(original(module, device, world))
        return wrapped[-1]

    build.wrap = wrap
    try:
        run = otgan.train(config(method), out=folder)
        assert run.world == World(rank, world)
        assert (run.folder is not None) == (rank == 0)  # rank 0 alone writes the folder
        # the networks trained in DDP (sd-wgan's critic is a dual vector: the generator only);
        # once trained, the wrappers are dropped and every rank left the group otgan joined
        assert [is_ddp(m) for m in wrapped] == [True] * (1 if method == "sd-wgan" else 2)
        assert run.state.train_generator is None and not dist.is_initialized()
        if rank == 0:
            torch.save({"g": run.generator.state_dict(), "d": run.critic.state_dict()}, out)
    finally:
        if dist.is_initialized():  # (otgan leaves the group it joined)
            dist.destroy_process_group()


def _one_process_matches(cfg, out):
    """Train ``cfg`` in this process; its weights must equal rank 0's saved in ``out``."""
    run = start_run(cfg, dataset_for(cfg))
    train_loop(run.state, run.method, cfg, progress=False)
    ddp = torch.load(out, weights_only=True)
    for name, mine in (("g", run.generator.state_dict()), ("d", run.critic.state_dict())):
        for k, v in mine.items():
            if v.is_floating_point():
                assert torch.allclose(v, ddp[name][k], atol=1e-5, rtol=1e-4), (name, k)
    return run


# one method in the default suite (test-slow: the others)
@pytest.mark.parametrize("method", ["wgan-gp", pytest.param("sd-wgan", marks=pytest.mark.slow), pytest.param("sngan", marks=pytest.mark.slow)])
def test_two_ranks_match_one_process(method, tmp_path):
    out = tmp_path / "ddp.pt"
    mp.start_processes(_train_worker, args=(2, _free_port(), method, str(tmp_path / "run"),
                                            str(out)), nprocs=2, start_method="spawn")
    cfg = config(method)
    run = _one_process_matches(cfg, out)
    # and training moved the weights (the comparison is not vacuous)
    fresh = start_run(cfg, dataset_for(cfg)).generator.state_dict()
    assert any(not torch.equal(fresh[k], v) for k, v in run.generator.state_dict().items())
    record = RunDir.open(tmp_path / "run").read_config()
    assert record["world_size"] == 2
    steps = [r["step"] for r in RunDir(tmp_path / "run").read_metrics() if not r.get("eval")]
    assert steps == sorted(set(steps))  # one writer: no line twice


def _resume_worker(rank, world, port, folder, steps, out):
    import torch.distributed as dist

    _as_torchrun(rank, world, port)
    try:
        run = otgan.resume(folder, {"steps": steps})
        assert (run.folder is not None) == (rank == 0)  # rank 0 alone writes the folder
        if rank == 0:
            torch.save({"g": run.generator.state_dict(), "d": run.critic.state_dict()}, out)
    finally:
        if dist.is_initialized():  # (otgan leaves the group it joined)
            dist.destroy_process_group()


@pytest.mark.parametrize("method", [pytest.param("wgan-gp", marks=pytest.mark.slow), "sd-wgan"])
def test_two_ranks_resume_a_one_process_run(method, tmp_path):
    # STEPS updates in one process with a run folder, then 2 gloo ranks continue it to
    # 2 * STEPS: the same weights as 2 * STEPS updates in one process (the ranks replay the
    # global random stream from the checkpoint, so the number of ranks may change)
    cfg = config(method)
    otgan.train(cfg, out=tmp_path / "run")
    out = tmp_path / "ddp.pt"
    mp.start_processes(_resume_worker, args=(2, _free_port(), str(tmp_path / "run"), 2 * STEPS,
                                             str(out)), nprocs=2, start_method="spawn")
    cfg.steps = 2 * STEPS
    _one_process_matches(cfg, out)
    record = RunDir.open(tmp_path / "run").read_config()
    assert record["resumed"][-1]["world_size"] == 2 and record["config"]["steps"] == 2 * STEPS


def test_global_batch_must_divide_among_ranks():
    from otgan.errors import ConfigError

    cfg = config("wgan-gp")
    with pytest.raises(ConfigError, match="multiple of the 3 ranks"):
        start_run(cfg, dataset_for(cfg), world=World(0, 3))
