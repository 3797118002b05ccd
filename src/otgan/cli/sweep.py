"""``otgan sweep``: every grid combination times seeds, batched where the runs share their
program; ``otgan sweep collect`` merges the shards done so far."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import TrainConfig
from .options import CONTEXT, SEED, SEEDS, WORKERS, Count, progress_option


@click.group(context_settings=CONTEXT, invoke_without_command=True)
@click.option("--data", default="ring", show_default=True,
              help="Built-in data set (points or images) or a data file.")
@click.option("--method", default=TrainConfig.method, show_default=True,
              help="Any method (see `otgan presets`); the ones that cannot be batched train as "
                   "plain runs.")
@click.option("--preset", default="default", show_default=True,
              help="A preset of the method (otgan presets METHOD).")
@click.option("--grid", "grids", multiple=True,
              help="KEY=V1,V2,... (repeatable, required); lr sets lr_g and lr_d together.")
@click.option("--set", "sets", multiple=True,
              help="KEY=VALUE fixed for every run (repeatable); lr sets lr_g and lr_d.")
@click.option("--seeds", type=SEEDS, default=1, show_default=True,
              help="Seeds per grid point.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="First seed.")
@click.option("--steps", type=Count(1), default=2000, show_default=True,
              help="Generator updates per run.")
@click.option("--workers", default=None, type=WORKERS,
              help="Local launcher: processes of one thread each [default: 2 where there are "
                   "2 cores].")
@click.option("--config", "config_file", type=click.Path(), default=None,
              help="Config file for the fixed fields.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Sweep folder (required unless --dry-run); re-running the same sweep there "
                   "trains only the shards not done.")
@click.option("--overwrite", is_flag=True, help="Replace an earlier sweep's files in --out.")
@click.option("--launcher", type=click.Choice(["local", "slurm"]), default="local",
              show_default=True,
              help="local: worker processes here, then the outputs; slurm: one array job "
                   "through submitit, a task per shard (then: otgan sweep collect OUT).")
@click.option("--slurm", "slurm_settings", multiple=True,
              help="KEY=VALUE for --launcher slurm (repeatable): partition, time (minutes), "
                   "cpus_per_task, gpus_per_task, mem_gb, parallelism; any other key is passed "
                   "to sbatch (account=..., constraint=...).")
@click.option("--shard-size", type=Count(1), default=None,
              help="Members per batched shard [default: each ensemble split evenly over "
                   "--workers; 16 with --launcher slurm].")
@click.option("--dry-run", is_flag=True, help="Print the shards and their sizes; train nothing.")
@progress_option
@click.pass_context
def sweep(ctx, data, method, preset, grids, sets, seeds, seed, steps, workers, config_file, out,
          overwrite, launcher, slurm_settings, shard_size, dry_run, progress):
    """Train every grid combination times seeds: batched ensembles where the runs share their
    program, plain runs otherwise (sd-wgan, images); table, heatmaps, page.  `otgan sweep
    collect DIR` merges the shards done so far."""
    if ctx.invoked_subcommand is not None:
        return
    if not grids:
        raise click.UsageError("Missing option '--grid'.")
    if out is None and not dry_run:
        raise click.UsageError("Missing option '--out'.")
    from ..sweep.grid import parse_grid, parse_sets
    from ..sweep.slurm import parse_slurm

    base = {"data": data, "method": method, "preset": preset, "seed": seed, **parse_sets(sets)}
    grid = parse_grid(grids)
    settings = parse_slurm(slurm_settings)
    if launcher == "slurm" and not dry_run:
        from ..sweep.slurm import check_slurm

        check_slurm()
    from ..sweep.folder import SweepFolder
    from ..sweep.plan import CLUSTER_SHARD, describe, make_plan
    from ..sweep.runner import ideal_workers

    workers = ideal_workers() if workers is None else workers
    if launcher == "slurm" and shard_size is None:
        shard_size = CLUSTER_SHARD
    plan = make_plan(base, grid, seeds, steps, None, config_file, shard_size, workers)
    if dry_run:
        click.echo(describe(plan))
        return
    folder = SweepFolder.prepare(out, plan, overwrite)
    plan = folder.plan()
    done = folder.done()
    pending = [s for s in plan["shards"] if s["id"] not in done]
    if done:
        click.echo(f"{out}: {len(done)} of {len(plan['shards'])} shards already done")
    if launcher == "slurm":
        from ..sweep.slurm import submit_array

        if not pending:
            click.echo(f"nothing to submit; merge with: otgan sweep collect {out}")
            return
        jobs = submit_array(folder, [s["id"] for s in pending], settings)
        click.echo(f"submitted array job {jobs[0].job_id.split('_')[0]}: {len(jobs)} shard(s); "
                   f"when they are done: otgan sweep collect {out}")
        return
    import time

    from ..runtime.progress import wanted
    from ..sweep.collect import collect, format_table, missing_line, summarize
    from ..sweep.launch import run_local

    t0 = time.perf_counter()
    from ..training.signals import continued_by

    with continued_by(f"the same otgan sweep command again (--out {out})"):
        run_local(plan, pending, workers, folder.path, wanted(progress))
    result = collect(folder.path, time.perf_counter() - t0, min(workers, max(1, len(pending))))
    click.echo(format_table(summarize(result)))
    click.echo(f"{len(result['members'])} runs of {steps} steps in {result['seconds']:.1f} s "
               f"({result['workers']} worker(s)); {missing_line(result)}; page: "
               f"{Path(out) / 'sweep.html'}")


@sweep.command(name="collect", context_settings=CONTEXT)
@click.argument("folder", type=click.Path(file_okay=False))
def sweep_collect(folder):
    """Merge the shards of the sweep in FOLDER that are done (table, heatmaps, samples, page)
    and list the missing ones."""
    from ..sweep.folder import SweepFolder

    SweepFolder.open(folder)  # before PyTorch is loaded: a wrong path answers at once
    from ..sweep.collect import collect, format_table, missing_line, summarize

    result = collect(folder)
    click.echo(format_table(summarize(result)))
    page = f"; page: {Path(folder) / 'sweep.html'}" if result["members"] else ""
    click.echo(missing_line(result) + page)


COMMANDS = (sweep,)
