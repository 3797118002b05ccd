"""One shard trained: a batched ensemble or a plain run, evaluated like single runs.

``run_shard(folder, id)`` is what a worker process or an array task calls.  It holds the
shard's lock while it works.  A finished shard (its results file exists and is sound) is read
back; an unfinished one continues from its checkpoint (the ensemble's state, or the plain run's
own checkpoint through ``training.fit.resume``), so that a shard killed midway ends as the
uninterrupted one does.  A damaged result is set aside and the shard trained again; a damaged
checkpoint is set aside and the previous one used (``folder.SweepFolder``); a plain run whose
folder cannot be continued at all is set aside whole and trained again.  The results land in
one file, written atomically once the whole shard is done.
"""

from __future__ import annotations

import dataclasses
import time

import torch

from ..config import from_dict
from ..errors import DamagedFile
from ..metrics.modes import mode_coverage
from ..metrics.ot import wasserstein1
from ..owned import say
from ..rundir import CHECKPOINT, CONFIG, PREVIOUS, RunDir
from ..training.build import restore
from ..training.datasets import dataset_for
from ..training.fit import resume, train
from .ensemble import Ensemble
from .folder import RUNS, SHARDS, SweepFolder, serialize

SAMPLES = 500  # points kept per member for the sample grid
IMAGES = 16  # images kept per member


def run_shard(folder, shard_id: int, worker: int | None = None,
              progress: bool = False) -> dict:
    """Train shard ``shard_id`` of the sweep in ``folder`` (unless done); returns its results."""
    sf = SweepFolder.open(folder)
    plan = sf.plan()
    lock = sf.lock_name(shard_id)
    sf.subfolder(SHARDS)
    sf.lock(lock)
    try:
        path = sf.result_path(shard_id)
        if path.exists() or path.is_symlink():
            try:
                return sf.read_result(shard_id)
            except DamagedFile as e:
                say(f"{e}; set aside as {sf.set_aside(path).name}; shard {shard_id} is trained "
                    f"again")
        result = train_shard(plan, plan["shards"][shard_id], sf, worker, progress)
        sf.write_result(shard_id, result)
        return result
    finally:
        sf.unlock(lock)


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
        sid = shard["id"]
        save = None
        if folder is not None:
            ens = _restored(cfgs, dataset, folder, sid)
            save = lambda: folder.write_checkpoint(sid, serialize(ens.state_dict()))  # noqa: E731
        else:
            ens = Ensemble(cfgs, dataset)
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


def _restored(cfgs, dataset, folder: SweepFolder, sid: int) -> Ensemble:
    """The shard's ensemble at its last sound checkpoint (fresh when there is none)."""
    ens = Ensemble(cfgs, dataset)

    def fits(state):
        nonlocal ens
        try:
            ens.load_state_dict(state)
        except BaseException:
            ens = Ensemble(cfgs, dataset)  # what the failed load changed, built afresh
            raise

    folder.load_checkpoint(sid, fits)
    return ens


def _plain_run(cfg, index: int, folder, progress) -> dict:
    """One member through the single-run API, in its own run folder (resumable)."""
    t0 = time.perf_counter()
    path = None if folder is None else folder.run_path(index)
    run = None
    if path is not None and (path.exists() or path.is_symlink()):
        try:
            run = _continued(cfg, path, progress)
        except DamagedFile as e:
            moved = folder.set_aside(path)
            say(f"{e}; set aside as {RUNS}/{moved.name}; member {index} is trained again from "
                f"the start")
    if run is None:
        if path is not None:
            folder.subfolder(RUNS)
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


def _continued(cfg, path, progress):
    """The member's run in ``path`` continued to its steps (or read back, when it got there
    before its shard's results were written), or None when it has no checkpoint yet (it is
    then trained from the start); ``DamagedFile`` when the folder cannot be continued."""
    if not path.is_dir() or path.is_symlink():
        raise DamagedFile(f"{path}: is not a run folder")
    if not any((path / n).exists() or (path / n).is_symlink() for n in (CHECKPOINT, PREVIOUS)):
        return None
    if not (path / CONFIG).is_file():
        raise DamagedFile(f"{path / CONFIG}: missing")
    state = RunDir(path).load_checkpoint(quiet=True)["state"]
    step, trained = state.get("step", 0), state.get("train_time", 0.0)
    if step < cfg.steps and not (cfg.time_limit and trained >= cfg.time_limit):
        return resume(path, {"steps": cfg.steps}, progress=progress)
    run, _ = restore(path)  # trained to the end: its last evaluation is in metrics.jsonl
    run.history = run.folder.read_metrics()
    if not any(r.get("eval") for r in run.history):
        raise DamagedFile(f"{path / 'metrics.jsonl'}: holds no evaluation of the trained run")
    return run
