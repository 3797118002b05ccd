"""The SLURM launcher: one array job through submitit, one task per unfinished shard.

Each task runs ``shard.run_shard(folder, id)``: it reads the plan from the sweep folder (on the
cluster's shared disk), trains its shard and writes its results there; ``otgan sweep collect``
merges them.  submitit's ``local`` and ``debug`` executors run the same array on this machine.
Nothing here loads PyTorch: a bad --slurm value is refused at once.
"""

from __future__ import annotations

from ..errors import ConfigError
from .folder import LOGS, SweepFolder

#: --slurm keys that are submitit parameters; any other key is passed to sbatch as is
SLURM_KEYS = {"partition": ("slurm_partition", str), "time": ("timeout_min", int),
              "cpus_per_task": ("cpus_per_task", int), "gpus_per_task": ("gpus_per_node", int),
              "mem_gb": ("mem_gb", int), "parallelism": ("slurm_array_parallelism", int)}


def slurm_parameters(settings: dict) -> dict:
    """``--slurm KEY=VALUE`` settings as submitit parameters (unknown keys go to sbatch)."""
    params, extra = {}, {}
    for key, value in settings.items():
        k = key.replace("-", "_")
        if k in SLURM_KEYS:
            name, kind = SLURM_KEYS[k]
            try:
                params[name] = kind(value)
            except ValueError:
                raise ConfigError(f"--slurm {key}: expected an integer, got {value!r}") from None
        else:
            extra[k] = value
    if extra:
        params["slurm_additional_parameters"] = extra
    return params


def parse_slurm(specs) -> dict:
    """``["partition=gpu", "time=60"]`` -> {"partition": "gpu", "time": "60"}."""
    out = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"--slurm {spec!r}: expected KEY=VALUE")
        out[key.strip()] = value.strip()
    slurm_parameters(out)  # checks the values now, before anything is written
    return out


def check_slurm() -> None:
    """Refuse --launcher slurm, before anything is written, where it cannot submit."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("submitit") is None:
        raise ConfigError("--launcher slurm needs submitit: pip install 'otgan[cluster]'")
    if shutil.which("sbatch") is None:
        raise ConfigError("--launcher slurm: sbatch not found (run it on a SLURM cluster's "
                          "login node)")


def submit_array(folder: SweepFolder, shard_ids: list[int], settings: dict,
                 cluster: str = "slurm") -> list:
    """One array job, a task per shard in ``shard_ids``; returns submitit's jobs at once
    (``cluster``: submitit's executor, "local" or "debug" to run the array on this machine)."""
    if cluster == "slurm":
        check_slurm()
    import submitit

    from .shard import run_shard

    executor = submitit.AutoExecutor(folder=folder.path / LOGS / "%j", cluster=cluster)
    params = {"name": f"otgan-sweep-{folder.path.name}", "tasks_per_node": 1, "nodes": 1,
              **slurm_parameters(settings)}
    executor.update_parameters(**params)
    return executor.map_array(run_shard, [str(folder.path)] * len(shard_ids), shard_ids)
