"""One shard trained: a batched ensemble or a plain run, evaluated like single runs.

``run_shard(folder, id)`` is what a worker process or an array task calls.  A finished shard
(its results file exists) is read back; an unfinished one continues from its checkpoint (the
ensemble's state, or the plain run's own checkpoint through ``training.fit.resume``), so that
a shard killed midway ends as the uninterrupted one does.  The results land in one file,
written atomically once the whole shard is done.
"""

from __future__ import annotations

import dataclasses
import io
import time

import torch

from ..config import from_dict
from ..metrics.modes import mode_coverage
from ..metrics.ot import wasserstein1
from ..rundir import CHECKPOINT
from ..training.datasets import dataset_for
from ..training.fit import resume, train
from .ensemble import Ensemble
from .folder import SweepFolder

SAMPLES = 500  # points kept per member for the sample grid
IMAGES = 16  # images kept per member


def run_shard(folder, shard_id: int, worker: int | None = None,
              progress: bool = False) -> dict:
    """Train shard ``shard_id`` of the sweep in ``folder`` (unless done); returns its results."""
    sf = SweepFolder.open(folder)
    if sf.result_path(shard_id).is_file():
        return sf.read_result(shard_id)
    plan = sf.plan()
    result = train_shard(plan, plan["shards"][shard_id], sf, worker, progress)
    sf.write_result(shard_id, result)
    return result


def train_shard(plan: dict, shard: dict, folder: SweepFolder | None = None,
                worker: int | None = None, progress: bool = False) -> dict:
    """{"shard", "seconds", "records": one per member} (``folder`` None: nothing written)."""
    cfgs = [from_dict(plan["members"][i]["config"]) for i in shard["members"]]
    t0 = time.perf_counter()
    if shard["kind"] == "ensemble":
        records = _ensemble(cfgs, shard, folder, progress)
    else:
        records = [_plain_run(cfgs[0], shard["members"][0], folder, progress)]
    for i, rec in zip(shard["members"], records):
        rec.update(index=i, shard=shard["id"], worker=shard["id"] if worker is None else worker)
    return {"shard": shard["id"], "seconds": time.perf_counter() - t0, "records": records}


def _ensemble(cfgs, shard, folder, progress) -> list[dict]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small MLPs: one thread per process is fastest
    try:
        cfgs = [dataclasses.replace(c, device="cpu") for c in cfgs]
        dataset = dataset_for(cfgs[0])
        t0 = time.perf_counter()
        ens = Ensemble(cfgs, dataset)
        sid = shard["id"]
        save = None
        if folder is not None:
            if folder.checkpoint_path(sid).is_file():
                ens.load_state_dict(torch.load(folder.checkpoint_path(sid), weights_only=True))
            save = lambda: folder.write_checkpoint(sid, _serialize(ens.state_dict()))  # noqa: E731
        t1 = time.perf_counter()
        ens.train(cfgs[0].steps - ens.step_count, progress, desc=f"{ens.size} runs batched",
                  every=cfgs[0].checkpoint_every, checkpoint=save)
        t2 = time.perf_counter()
        n = min(cfgs[0].eval_n, dataset.test.shape[0])
        real = dataset.test[:n]
        records = []
        for k, run in enumerate(ens.runs):
            fake = ens.sample(k, run.latents(n, run.eval_seed))
            rec = {"kind": "ensemble", "w1": wasserstein1(fake, real), "ensemble_size": ens.size,
                   "ensemble_seconds": t2 - t0, "train_seconds": t2 - t1,
                   "samples": fake[:SAMPLES].numpy().tolist()}
            if dataset.modes is not None:  # as the registry's "modes" metric draws them
                pts = ens.sample(k, run.latents(2500, run.eval_seed + 1))
                rec.update(mode_coverage(pts, dataset.modes, dataset.mode_sigma))
            records.append(rec)
        return records
    finally:
        torch.set_num_threads(threads)


def _plain_run(cfg, index: int, folder, progress) -> dict:
    """One member through the single-run API, in its own run folder (resumable)."""
    t0 = time.perf_counter()
    path = None if folder is None else folder.run_path(index)
    if path is not None and (path / CHECKPOINT).is_file():
        run = resume(path, {"steps": cfg.steps}, progress=progress)
    else:
        if path is not None:
            path.parent.mkdir(exist_ok=True)
        run = train(cfg, out=path, overwrite=True, progress=progress)
    seconds = time.perf_counter() - t0
    last = next(r for r in reversed(run.history) if r.get("eval"))
    rec = {k: v for k, v in last.items() if k not in ("step", "eval", "n_eval")
           and isinstance(v, (int, float)) and not isinstance(v, bool)}
    rec.update(kind="run", ensemble_size=1, ensemble_seconds=seconds, train_seconds=seconds)
    with torch.no_grad():
        n = min(cfg.eval_n, run.dataset.test.shape[0])
        fake = run.generate(run.latents(n, run.eval_seed)).cpu()
    image = fake.dim() > 2
    rec["samples"] = fake[:IMAGES if image else SAMPLES].numpy().tolist()
    rec["image"] = image
    return rec


def _serialize(state: dict) -> bytes:
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()
