"""Commands on runs: train (and --resume), sample, eval, show, report, compare, presets."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import OtganError
from .options import (CONTEXT, POSITIVE, REFINE_SCALE, REFINE_STEPS, RUN, SEED, CommandFailed,
                      Count, OutputFile, config_options, device_option, npy_bytes, num,
                      progress_option, write_output)


@click.command(context_settings=CONTEXT)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="TOML or JSON file of config keys (overridden by options).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Run folder to write [default: runs/<data>-<method>-s<seed>]; one holding "
                   "the run these same options started is continued from its checkpoint.")
@click.option("--overwrite", is_flag=True, help="Replace an existing otgan run in --out.")
@click.option("--resume", "resume_dir", type=RUN, default=None,
              help="Continue the run in this folder from its last checkpoint (raise --steps to "
                   "train further).")
@click.option("--accept-changed-inputs", "accept", is_flag=True,
              help="With --resume: continue though the data or weights file changed since the "
                   "run read it (recorded in config.json).")
@click.option("--lr", type=POSITIVE, default=None,
              help="Both learning rates at once (sets lr_g and lr_d), as the lab's loop has one.")
@progress_option
@config_options
def train(config_file, out, overwrite, resume_dir, accept, progress, **values):
    """Train a GAN and write a run folder (config, metrics.jsonl, checkpoint, report.html).

    Example: otgan train --data ring --method wgan-gp --steps 2000 --seed 0 --out runs/ring
    """
    from ..config import resolve
    from ..data.specs import missing_data

    overrides = {k: v for k, v in values.items() if v is not None}
    if "data" in overrides and missing_data(overrides["data"]):  # before resolve loads PyTorch
        raise CommandFailed(missing_data(overrides["data"]))
    if accept and resume_dir is None:
        raise CommandFailed("--accept-changed-inputs goes with --resume")
    cfg = None if resume_dir is not None else resolve(overrides, config_file)
    from .. import api
    from ..runtime.progress import wanted

    progress = wanted(progress)
    if resume_dir is not None:
        if out is not None or overwrite or config_file is not None:
            raise CommandFailed("--resume continues a run in place; it takes no --out, "
                                "--overwrite or --config")
        run = api.resume(resume_dir, overrides, progress=progress, verbose=True,
                         accept_changed_inputs=accept)
    else:
        if out is None:
            out = Path("runs") / f"{Path(cfg.data).stem}-{cfg.method}-s{cfg.seed}"
        run = api.train(overrides, config_file=config_file, out=out, overwrite=overwrite,
                        progress=progress, verbose=True)
    if run.world.is_main:
        _report_done(run)


def _report_done(run) -> None:
    from ..metrics.specs import headline_rows

    folder = run.folder
    parts = [f"{run.state.step} steps in {run.state.train_time:.1f} s"]
    final = next((r for r in reversed(run.history) if r.get("eval")), {})
    rows = [(r.key, r.label, r.fmt) for r in headline_rows()] + list(run.method.spec.estimate_rows)
    parts += [f"{label} = {fmt.format(final[key])}" for key, label, fmt in rows
              if final.get(key) is not None]
    if "n_eval" in final:
        parts.append(f"on {final['n_eval']} held-out and {final['n_eval']} generated samples")
    click.echo("done: " + "; ".join(parts))
    written = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.path.iterdir()
                     if not p.name.startswith("."))
    click.echo(f"results in {folder.path}/ : {', '.join(written)}")
    click.echo(f"report: {folder.file('report.html')}")


@click.command(context_settings=CONTEXT)
@click.argument("run_dir", type=RUN)
@click.option("--n", "n", type=Count(1), required=True,
              help="Number of points to generate.")
@click.option("--out", type=OutputFile(".npy", ".png"), required=True,
              help="Output file: .npy (n x d float32 array) or .png (image runs: a square grid "
                   "of the n images; point data: a scatter plot over held-out data).")
@click.option("--seed", type=SEED, default=0, show_default=True,
              help="Latent seed; the same seed gives the same points.")
@device_option
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
@click.option("--refine", "refine_steps", type=REFINE_STEPS, default=0, show_default=True,
              help="Move each sample with the trained critic for this many Adam updates "
                   "(discriminator optimal transport: toward argmin |x - y| - D(x)/k; "
                   "docs/benchmarks.md).")
@click.option("--refine-scale", type=REFINE_SCALE, default=1.0,
              show_default=True,
              help="k as a multiple of the critic's estimated Lipschitz constant (1: DOT as "
                   "published; 0.1: the benchmarks' setting).")
@click.option("--reject", is_flag=True,
              help="Keep each sample with probability p_data / (M p_G) read from the "
                   "discriminator's logit (discriminator rejection sampling; the binary "
                   "cross-entropy GANs only; docs/benchmarks.md).")
def sample(run_dir, n, out, seed, device, overwrite, refine_steps, refine_scale, reject):
    """Write N generated points from a saved run to an .npy array or a .png picture."""
    import numpy as np

    from .. import api
    from ..rundir import check_outputs
    from ..runtime.memory import require_memory

    check_outputs([out], overwrite)
    run = api.load_run(run_dir, device=device)
    require_memory(8 * n * (int(np.prod(run.data_shape)) + 1024), f"--n {n}")
    refine = {"steps": refine_steps, "k_scale": refine_scale} if refine_steps else None
    x = run.sample(n, seed=seed, refine=refine, reject=reject or None).astype(np.float32)
    if out.suffix.lower() == ".png":
        from ..viz.plots import samples_png

        real = None
        if x.ndim == 2:  # points: drawn over held-out data when it can still be loaded
            try:
                real = run.dataset.test[:n]
            except OtganError:
                pass
        moved = (f", DOT k = {refine_scale:g} k_eff" if refine else
                 ", rejection sampling" if reject else "")
        data = samples_png(x, real, title=f"{run.config.method} on {run.config.data}: {n} "
                                          f"generated points, seed {seed}{moved}")
        what = (f"a grid of {n} generated images" if x.ndim == 4
                else f"a scatter plot of {n} generated points")
    else:
        data = npy_bytes(x)
        what = f"{x.shape[0]} x {' x '.join(map(str, x.shape[1:]))} float32 points"
    write_output(out, data)
    click.echo(f"wrote {what} to {out}")


@click.command(context_settings=CONTEXT)
@click.argument("run_dir", type=RUN)
def show(run_dir):
    """The run's networks: each layer's output size and parameter count, and the sizes of the
    generator's input (the latent code) and output and of the critic's input and output."""
    from .. import api

    run = api.load_run(run_dir)
    cfg = run.config
    click.echo(f"{cfg.method} on {cfg.data} ({run_dir})")
    for label, what, out, params, rows in api.describe_networks(run):
        click.echo(f"\n{label}: input {what} -> output {out}; {params:,} parameters")
        for r in rows:
            click.echo(f"  {r['name']:32s} {r['type']:20s} {str(r['output']):18s} "
                       f"{r['params']:>10,}")


@click.command(name="eval", context_settings=CONTEXT)
@click.argument("run_dir", type=RUN)
@click.option("--n", "n", type=Count(100, why="exact W1 on fewer points measures the sample, "
                                              "not the generator"), default=None,
              help="Generated and held-out points [default: the run's eval_n].")
@click.option("--metrics", default=None,
              help="Comma-separated metrics [default: all that apply].")
@device_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--accept-changed-inputs", "accept", is_flag=True,
              help="Evaluate though the data or weights file changed since the run read it "
                   "(recorded in eval.json).")
@progress_option
def eval_(run_dir, n, metrics, device, as_json, accept, progress):
    """Evaluate a saved run against its held-out data; print a table, write eval.json."""
    from .. import api
    from ..metrics.specs import check_names

    names = None if metrics is None else check_names(
        m.strip() for m in metrics.split(",") if m.strip())
    if names is not None and not names:
        raise CommandFailed("--metrics: name at least one metric (otgan eval --help)")
    run = api.load_run(run_dir, device=device, accept_changed_inputs=accept)
    result, path = api.evaluate(run, names, n, progress=progress)
    if as_json:
        click.echo(json.dumps(json.loads(path.read_text()), indent=2))
        return
    click.echo(f"{run.config.method} on {run.config.data}: {result['eval_n']} generated vs "
               f"{result['eval_n']} held-out points")
    for key, value in result.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                click.echo(f"  {key + '/' + sub:32s} {num(v)}")
        elif key != "eval_n":
            click.echo(f"  {key:32s} {num(value)}")
    click.echo(f"wrote {path}")


@click.command(context_settings=CONTEXT)
@click.argument("run_dir", type=RUN)
def report(run_dir):
    """(Re)write a run folder's self-contained report.html."""
    from ..viz.report import write_report

    click.echo(f"report: {write_report(run_dir)}")


@click.command(context_settings=CONTEXT)
@click.argument("run_dirs", nargs=-1, required=True, type=RUN)
@click.option("--out", type=OutputFile(), default="compare.html", show_default=True,
              help="HTML page to write.")
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
def compare(run_dirs, out, overwrite):
    """Put runs side by side in one page: every metric they computed, critic plots (2D runs) or
    generated image grids (image runs), curves."""
    from ..rundir import check_outputs
    from ..viz.report import write_compare

    check_outputs([out], overwrite)
    click.echo(f"comparison: {write_compare(run_dirs, out)}")


@click.command(context_settings=CONTEXT)
@click.argument("method", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def presets(method, as_json):
    """List the methods and their named presets (default, paper, and images where defined)."""
    from ..methods.specs import METHODS, method_spec

    names = [method_spec(method).name] if method else list(METHODS)
    table = {m: METHODS[m].presets for m in names}
    if as_json:
        click.echo(json.dumps(table, indent=2))
        return
    for m in names:
        spec = METHODS[m]
        click.echo(f"{m}: {spec.summary}")
        for p, values in spec.presets.items():
            vals = " ".join(f"{k}={v}" for k, v in values.items())
            click.echo(f"  {p:8s} {vals}")


COMMANDS = (train, sample, eval_, show, report, compare, presets)
