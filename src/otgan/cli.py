"""The ``otgan`` command.

Exit codes: 0 success; 2 bad usage or bad input (one line on stderr naming the bad value, no
traceback); 1 an unexpected internal error; 130/143 interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .config import FIELDS, MAX_SEED, TrainConfig
from .errors import OtganError

CONTEXT = dict(help_option_names=["-h", "--help"], max_content_width=100)
SEED = click.IntRange(0, MAX_SEED)


class _RunFolder(click.ParamType):
    """A run folder's path, checked to be one (before PyTorch is loaded)."""
    name = "run_dir"

    def convert(self, value, param, ctx):
        from .rundir import RunDir

        try:
            RunDir.open(value)
        except OtganError as e:
            self.fail(str(e), param, ctx)
        return value


RUN = _RunFolder()


class CommandFailed(OtganError):
    pass


def _field_help(name: str) -> str:
    """A config field's help with the value a run uses: the field's default unless the default
    method's default preset sets it (from the methods' specs)."""
    from .methods.specs import METHODS

    defaults = TrainConfig()
    preset = METHODS[defaults.method].presets["default"]
    by_preset = {k for spec in METHODS.values() for p in spec.presets.values() for k in p}
    f = FIELDS[name]
    default = preset.get(name, getattr(defaults, name))
    shown = ",".join(map(str, default)) if isinstance(default, (tuple, list)) else default
    where = (f" with {defaults.method}'s default preset; other methods' presets: "
             f"otgan presets METHOD" if name in by_preset else "")
    choices = f" ({'|'.join(f.choices)})" if f.choices else ""
    return f"{f.help}{choices} [default: {shown}{where}]"


_progress_option = click.option(
    "--progress/--no-progress", default=None,
    help="Show a progress bar [default: when stderr is a terminal].")


class _FieldOption(click.Option):
    """An option for one config field, its help text computed on first display."""

    @property
    def help(self):
        return _field_help(self.name)

    @help.setter
    def help(self, _value):
        pass


def _config_options(fn):
    """One option per config field, derived from the field's metadata."""
    for name in reversed(list(FIELDS)):
        kind = FIELDS[name].kind
        flag = "--" + name.replace("_", "-")
        if kind == "bool":
            opt = click.option(f"{flag}/--no-{flag[2:]}", name, default=None, cls=_FieldOption)
        else:
            opt = click.option(flag, name, default=None, metavar=kind.upper(),
                               cls=_FieldOption)
        fn = opt(fn)
    return fn


@click.group(context_settings=CONTEXT, invoke_without_command=True)
@click.version_option(package_name="otgan", message="otgan %(version)s")
@click.pass_context
def cli(ctx):
    """otgan: Wasserstein GANs and optimal transport, measured against the exact W distance."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@cli.command(context_settings=CONTEXT)
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
@click.option("--lr", type=float, default=None,
              help="Both learning rates at once (sets lr_g and lr_d), as the lab's loop has one.")
@_progress_option
@_config_options
def train(config_file, out, overwrite, resume_dir, accept, progress, **values):
    """Train a GAN and write a run folder (config, metrics.jsonl, checkpoint, report.html).

    Example: otgan train --data ring --method wgan-gp --steps 2000 --seed 0 --out runs/ring
    """
    from .config import resolve
    from .data.specs import missing_data

    overrides = {k: v for k, v in values.items() if v is not None}
    if "data" in overrides and missing_data(overrides["data"]):  # before resolve loads PyTorch
        raise CommandFailed(missing_data(overrides["data"]))
    if accept and resume_dir is None:
        raise CommandFailed("--accept-changed-inputs goes with --resume")
    cfg = None if resume_dir is not None else resolve(overrides, config_file)
    from . import api
    from .runtime.progress import wanted

    progress = wanted(progress)
    if resume_dir is not None:
        if out is not None or overwrite or config_file is not None:
            raise CommandFailed("--resume continues a run in place; it takes no --out, "
                                "--overwrite or --config")
        run = api.resume(resume_dir, overrides, progress=progress, verbose=True,
                         accept_changed_inputs=accept)
        if run.world.is_main:
            _report_done(run)
        return
    if out is None:
        out = Path("runs") / f"{Path(cfg.data).stem}-{cfg.method}-s{cfg.seed}"
    run = api.train(overrides, config_file=config_file, out=out, overwrite=overwrite,
                    progress=progress, verbose=True)
    if run.world.is_main:
        _report_done(run)


def _report_done(run) -> None:
    from .metrics.specs import headline_rows

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


@cli.command(context_settings=CONTEXT)
@click.argument("run_dir", type=RUN)
@click.option("--n", "n", type=int, required=True, help="Number of points to generate.")
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Output file: .npy (n x d float32 array) or .png (image runs: a square grid "
                   "of the n images; point data: a scatter plot over held-out data).")
@click.option("--seed", type=SEED, default=0, show_default=True,
              help="Latent seed; the same seed gives the same points.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda, cuda:N or auto.")
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
def sample(run_dir, n, out, seed, device, overwrite):
    """Write N generated points from a saved run to an .npy array or a .png picture."""
    import io

    import numpy as np

    from . import api
    from .fileio import atomic_write_bytes
    from .rundir import check_outputs
    from .runtime.memory import require_memory

    if n < 1:
        raise CommandFailed(f"--n must be >= 1, got {n}")
    target = Path(out)
    kind = target.suffix.lower()
    if kind not in (".npy", ".png"):
        raise CommandFailed(f"--out {out}: the file name must end in .npy or .png")
    if not target.parent.exists():
        raise CommandFailed(f"--out {out}: folder {target.parent} does not exist")
    check_outputs([target], overwrite)
    run = api.load_run(run_dir, device=device)
    require_memory(8 * n * (int(np.prod(run.data_shape)) + 1024), f"--n {n}")
    x = run.sample(n, seed=seed).astype(np.float32)
    if kind == ".png":
        from .viz.plots import samples_png

        real = None
        if x.ndim == 2:  # points: drawn over held-out data when it can still be loaded
            try:
                real = run.dataset.test[:n]
            except OtganError:
                pass
        data = samples_png(x, real, title=f"{run.config.method} on {run.config.data}: {n} "
                                          f"generated points, seed {seed}")
        what = (f"a grid of {n} generated images" if x.ndim == 4
                else f"a scatter plot of {n} generated points")
    else:
        buf = io.BytesIO()
        np.save(buf, x)
        data = buf.getvalue()
        what = f"{x.shape[0]} x {' x '.join(map(str, x.shape[1:]))} float32 points"
    try:
        atomic_write_bytes(target, data)
    except OSError as e:
        raise CommandFailed(f"--out {out}: cannot write ({e.strerror or e})") from None
    click.echo(f"wrote {what} to {target}")


@cli.command(context_settings=CONTEXT)
@click.argument("run_dir", type=RUN)
@click.option("--data", "data", required=True,
              help="Points to encode: a .npy/.npz/.csv file of the run's shape (in file order) "
                   "or a built-in dataset name (its held-out split).")
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Output .npy file: the n x latent_dim float32 codes.")
@click.option("--n", "n", type=click.IntRange(1, 10**8), default=None,
              help="Encode the first N points only [default: all].")
@click.option("--inversion", type=click.Choice(["auto", "encoder", "optimize"]), default="auto",
              show_default=True,
              help="encoder: E(x) (bigan, bigan-gp); optimize: argmin_z ||G(z) - x||^2 by Adam; "
                   "auto: the encoder where the run has one.")
@click.option("--steps", type=click.IntRange(1, 10**6), default=500, show_default=True,
              help="Adam updates of the inversion by optimization.")
@click.option("--lr", type=click.FloatRange(0, 10, min_open=True), default=0.1,
              show_default=True, help="Initial Adam learning rate (decayed linearly to 0).")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda, cuda:N or auto.")
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
def encode(run_dir, data, out, n, inversion, steps, lr, device, overwrite):
    """Write the latent codes of points under a saved run to an .npy array, and print the
    reconstruction error of G(code) against the error of G at random codes."""
    import io

    import numpy as np

    from . import api
    from .fileio import atomic_write_bytes
    from .rundir import check_outputs
    from .training import latent

    target = Path(out)
    if target.suffix.lower() != ".npy":
        raise CommandFailed(f"--out {out}: the file name must end in .npy")
    if not target.parent.exists():
        raise CommandFailed(f"--out {out}: folder {target.parent} does not exist")
    check_outputs([target], overwrite)
    run = api.load_run(run_dir, device=device)
    how = latent.resolve_how(run, inversion)
    x = latent.points(run, data)[:n]
    z = latent.codes(run, x, how, steps=steps, lr=lr)
    err = latent.reconstruction_error(x, run.generate(z).cpu(),
                                      run.generate(run.latents(x.shape[0], run.eval_seed + 3)))
    buf = io.BytesIO()
    np.save(buf, z.float().numpy())
    try:
        atomic_write_bytes(target, buf.getvalue())
    except OSError as e:
        raise CommandFailed(f"--out {out}: cannot write ({e.strerror or e})") from None
    by = "the encoder E(x)" if how == "encoder" else f"optimization ({steps} Adam steps)"
    click.echo(f"wrote {z.shape[0]} x {z.shape[1]} float32 latent codes ({by}) to {target}")
    click.echo(f"reconstruction error (MSE per coordinate) {err['recon_mse']:.5g}; "
               f"G at random codes {err['recon_baseline_mse']:.5g}; ratio "
               f"{err['recon_ratio']:.4g}")


@cli.command(context_settings=CONTEXT)
@click.argument("run_dir", type=RUN)
def show(run_dir):
    """The run's networks: each layer's output size and parameter count, and the sizes of the
    generator's input (the latent code) and output and of the critic's input and output."""
    import torch

    from . import api
    from .nets.describe import layer_table, parameter_count

    run = api.load_run(run_dir)
    z = run.latents(2, 0).to(run.device)
    real = torch.zeros((2,) + run.data_shape, device=run.device)
    _, fake = run.method.critic_inputs(run.generator, real, z)
    cfg = run.config
    click.echo(f"{cfg.method} on {cfg.data} ({run_dir})")
    for label, net, x, what in (
            ("generator", run.generator, z, f"latent code ({run.latent_dim},), {cfg.latent}"),
            ("critic", run.critic, fake, f"{tuple(fake.shape[1:])}")):
        rows = layer_table(net, x)
        out = rows[-1]["output"] if rows else None
        click.echo(f"\n{label}: input {what} -> output {out}; "
                   f"{parameter_count(net):,} parameters")
        for r in rows:
            click.echo(f"  {r['name']:32s} {r['type']:20s} {str(r['output']):18s} "
                       f"{r['params']:>10,}")


@cli.command(name="eval", context_settings=CONTEXT)
@click.argument("run_dir", type=RUN)
@click.option("--n", "n", type=int, default=None,
              help="Generated and held-out points [default: the run's eval_n].")
@click.option("--metrics", default=None,
              help="Comma-separated metrics [default: all that apply].")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda, cuda:N or auto.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--accept-changed-inputs", "accept", is_flag=True,
              help="Evaluate though the data or weights file changed since the run read it "
                   "(recorded in eval.json).")
@_progress_option
def eval_(run_dir, n, metrics, device, as_json, accept, progress):
    """Evaluate a saved run against its held-out data; print a table, write eval.json."""
    from . import api
    from .fileio import atomic_write_json
    from .metrics.specs import check_names
    from .viz.report import EVAL

    if n is not None and n < 100:
        raise CommandFailed(f"--n must be >= 100 (exact W1 on fewer points measures the sample, "
                            f"not the generator), got {n}")
    names = None if metrics is None else check_names(
        m.strip() for m in metrics.split(",") if m.strip())
    if names is not None and not names:
        raise CommandFailed("--metrics: name at least one metric (otgan eval --help)")
    run = api.load_run(run_dir, device=device, accept_changed_inputs=accept)
    result = run.evaluate(names, n, progress=progress)
    result["eval_n"] = min(n or run.config.eval_n, run.dataset.test.shape[0])
    record = dict(result, changed_inputs=run.changed_inputs) if run.changed_inputs else result
    atomic_write_json(run.folder.file(EVAL), record)
    if as_json:
        click.echo(json.dumps(record, indent=2))
        return
    click.echo(f"{run.config.method} on {run.config.data}: {result['eval_n']} generated vs "
               f"{result['eval_n']} held-out points")
    for key, value in result.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                click.echo(f"  {key + '/' + sub:32s} {_num(v)}")
        elif key != "eval_n":
            click.echo(f"  {key:32s} {_num(value)}")
    click.echo(f"wrote {run.folder.file(EVAL)}")


def _num(v) -> str:
    if isinstance(v, float):
        return f"{v:.5g}"
    return "n/a" if v is None else str(v)


@cli.command(context_settings=CONTEXT)
@click.argument("run_dir", type=RUN)
def report(run_dir):
    """(Re)write a run folder's self-contained report.html."""
    from .viz.report import write_report

    click.echo(f"report: {write_report(run_dir)}")


@cli.command(context_settings=CONTEXT)
@click.argument("run_dirs", nargs=-1, required=True, type=RUN)
@click.option("--out", type=click.Path(dir_okay=False), default="compare.html",
              show_default=True, help="HTML page to write.")
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
def compare(run_dirs, out, overwrite):
    """Put runs side by side in one page: every metric they computed, critic plots (2D runs) or
    generated image grids (image runs), curves."""
    from .rundir import check_outputs
    from .viz.report import write_compare

    if not Path(out).parent.exists():
        raise CommandFailed(f"--out {out}: folder {Path(out).parent} does not exist")
    check_outputs([out], overwrite)
    click.echo(f"comparison: {write_compare(run_dirs, out)}")


@cli.command(context_settings=CONTEXT)
@click.option("--real", required=True,
              help="Real side: a built-in dataset, a .npy/.npz/.csv file or an image folder.")
@click.option("--fake", default=None,
              help="Fake side, as --real [default: the same data as --real, transformed].")
@click.option("--generator", "generator_run", type=click.Path(file_okay=False), default=None,
              help="Fake side: samples of this run's frozen generator (instead of --fake).")
@click.option("--shift", default=None, help="Translate the fake side by T, e.g. 0.5,0.")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Scale the fake side by S (before the shift).")
@click.option("--noise", type=float, default=0.0, show_default=True,
              help="Add N(0, S^2) noise to the fake side's points.")
@click.option("--method", default="wgan-gp", show_default=True,
              help="Whose critic or discriminator: any method (see `otgan presets`).")
@click.option("--steps", type=int, default=2000, show_default=True, help="Critic updates.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--set", "sets", multiple=True,
              help="KEY=VALUE config field (repeatable): --set gp_lambda=10 --set lr_d=1e-3.")
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Folder for critic.json, curve.png and critic.png (2D).")
@click.option("--overwrite", is_flag=True, help="Replace an earlier critic.json in --out.")
@_progress_option
def critic(real, fake, generator_run, shift, scale, noise, method, steps, seed, sets, out,
           overwrite, progress):
    """Train a critic alone between two fixed distributions; what it estimates beside the exact
    value.  Example (the translation oracle, W1 = 0.5):

    otgan critic --real ring --shift 0.5,0 --method wgan-gp --out critics/ring
    """
    from . import api
    from .sweep.grid import parse_sets

    if steps < 1:
        raise CommandFailed(f"--steps must be >= 1, got {steps}")
    if not 0 < scale < float("inf"):
        raise CommandFailed(f"--scale must be a finite number > 0, got {scale}")
    if not 0 <= noise < float("inf"):
        raise CommandFailed(f"--noise must be a finite number >= 0, got {noise}")
    if generator_run is not None and fake is not None:
        raise CommandFailed("pass --fake or --generator, not both")
    t = None
    if shift is not None:
        try:
            t = tuple(float(v) for v in shift.split(","))
        except ValueError:
            raise CommandFailed(f"--shift {shift!r}: expected numbers such as 0.5,0") from None
    fake_side = api.load_run(generator_run) if generator_run is not None else (fake or real)
    from .runtime.progress import wanted

    progress = wanted(progress)
    result = api.fit_critic(real, fake_side, method, steps, seed, out=out, overwrite=overwrite,
                            shift=t, scale=scale, noise=noise, progress=progress,
                            **parse_sets(sets))
    click.echo(f"{method} critic, {steps} updates in {result['seconds']:.1f} s: "
               f"{result['real']} against {result['fake']} ({result['n_eval']} held-out points "
               f"each)")
    from .training.critic_fit import summary

    for key, value in summary(result).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            click.echo(f"  {key:24s} {_num(value)}")
    click.echo(f"wrote {Path(out) / 'critic.json'}")


@cli.command(context_settings=CONTEXT)
@click.argument("name", required=False)
@click.option("--out", type=click.Path(file_okay=False), default="figures", show_default=True,
              help="Folder for NAME.png and NAME.json.")
@click.option("--quick", is_flag=True, help="A smaller version (fewer points, fewer updates).")
@click.option("--list", "list_", is_flag=True, help="Name every figure.")
@click.option("--overwrite", is_flag=True, help="Replace an existing NAME.png / NAME.json.")
def figure(name, out, quick, list_, overwrite):
    """Draw one of the course's figures from measurements: a PNG and the numbers it shows."""
    from .figures import FIGURES, make_figure
    from .rundir import check_output_folder

    if list_ or name is None:
        for f in FIGURES.values():
            click.echo(f"{f.name:22s} {f.summary}")
        return
    if name in FIGURES:
        check_output_folder(out, FIGURES[name].outputs, overwrite)
    numbers = make_figure(name, out, quick)
    click.echo(f"{name}: wrote {Path(out) / (name + '.png')} and {Path(out) / (name + '.json')}"
               f" ({'quick, ' if quick else ''}{len(numbers)} entries)")


@cli.command(context_settings=CONTEXT)
@click.option("--source", default="uniform", show_default=True,
              help="mu: uniform ([0,1]^d), gaussian, polygon:x1,y1;x2,y2;... (uniform on it), "
                   "module:function (your sampler of n points), a built-in dataset, or a .npy "
                   "of points (an empirical measure).")
@click.option("--targets", "targets_spec", required=True,
              help="nu's points: a .npy file (J x d) or a built-in dataset name.")
@click.option("--n-targets", type=int, default=50, show_default=True,
              help="J, when --targets names a built-in dataset.")
@click.option("--weights", "weights_file", default=None,
              help=".npy or .csv file of J non-negative weights (normalized to sum 1) "
                   "[default: uniform].")
@click.option("--cost", type=click.Choice(["euclidean", "sqeuclidean"]), default="sqeuclidean",
              show_default=True)
@click.option("--steps", type=int, default=5000, show_default=True)
@click.option("--batch", type=int, default=64, show_default=True)
@click.option("--gamma", type=float, default=1.0, show_default=True,
              help="Dual step in units of --scale / max(nu_j, 1/batch) (docs/semidiscrete.md).")
@click.option("--scale", type=float, default=None,
              help="Cost scale of the step [default: the targets' nearest-neighbour cost].")
@click.option("--threads", type=int, default=1, show_default=True,
              help="torch CPU threads (0: torch's default).")
@click.option("--eps", type=float, default=0.0, show_default=True,
              help="Entropic smoothing (0: exact c-transform).")
@click.option("--n-eval", type=int, default=1_000_000, show_default=True,
              help="Fresh samples for the final dual value and cell masses.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Folder for solution.json, solution.npz and laguerre.png (2D).")
@click.option("--overwrite", is_flag=True, help="Replace an earlier solution in --out.")
@_progress_option
def solve(source, targets_spec, n_targets, weights_file, cost, steps, batch, gamma, scale, threads,
          eps, n_eval, seed, out, overwrite, progress):
    """Semi-discrete OT from a continuous measure to weighted points, by averaged SGD."""
    from .data.specs import missing_data

    if not targets_spec.endswith(".npy") and missing_data(targets_spec):
        raise CommandFailed(f"--targets: {missing_data(targets_spec)}")
    import io

    import numpy as np
    import torch

    from .data.dataset import load_dataset
    from .data.arrays import load_array_file, load_weights
    from .rundir import check_output_folder
    from .runtime.memory import require_memory
    from .semidiscrete import solve as sd_solve
    from .runtime.progress import wanted
    from .semidiscrete.solver import make_sampler
    from .fileio import atomic_write_bytes, atomic_write_json

    for name, v, lo in (("--steps", steps, 1), ("--batch", batch, 1), ("--n-eval", n_eval, 1),
                        ("--n-targets", n_targets, 1)):
        if v < lo:
            raise CommandFailed(f"{name} must be >= {lo}, got {v}")
    if not 0 < gamma < float("inf") or (scale is not None and not 0 < scale < float("inf")):
        raise CommandFailed(f"--gamma and --scale must be finite and > 0, got {gamma} and "
                            f"{scale}")
    if not 0 <= threads <= 1024:
        raise CommandFailed(f"--threads must be between 0 and 1024, got {threads}")
    require_memory(8 * n_targets * (65536 + 16), f"--n-targets {n_targets}")
    if threads:
        torch.set_num_threads(threads)
    if not 0 <= eps < float("inf"):
        raise CommandFailed(f"--eps must be a finite number >= 0, got {eps}")
    if targets_spec.endswith(".npy"):
        y = torch.from_numpy(load_array_file(targets_spec)["all"]).double()
    else:
        y = load_dataset(targets_spec, n_train=n_targets, n_test=1, data_seed=seed).train.double()
    w = torch.from_numpy(load_weights(weights_file, y.shape[0])) if weights_file else None
    d = y.shape[1]  # float64: a batch's costs to every target, the evaluation sample's points
    require_memory(8 * batch * (y.shape[0] + d + 4), f"--batch {batch}")
    require_memory(8 * n_eval * (d + 4), f"--n-eval {n_eval}")
    sampler = make_sampler(source, y.shape[1], seed)
    folder = Path(out)
    check_output_folder(folder, SOLVE_FILES, overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    res = sd_solve(lambda n: sampler(n).double(), y, w, cost=cost, steps=steps, batch=batch,
                   gamma=gamma, scale=scale, eps=eps, n_eval=n_eval,
                   log_every=max(1, steps // 10), progress=wanted(progress))
    summary = {"source": source, "targets": targets_spec, "J": int(y.shape[0]), "cost": cost,
               "value": res.cost, "meaning": "W1" if cost == "euclidean" else "W2^2",
               "max_mass_error": res.max_mass_error, "steps": steps, "batch": batch,
               "eps": eps, "n_eval": n_eval, "seed": seed, "history": res.history}
    atomic_write_json(folder / "solution.json", summary)
    buf = io.BytesIO()
    np.savez(buf, psi=res.psi.numpy(), masses=res.masses.numpy(), targets=y.numpy(),
             weights=(w if w is not None else torch.full((y.shape[0],), 1 / y.shape[0])).numpy())
    atomic_write_bytes(folder / "solution.npz", buf.getvalue())
    click.echo(f"{summary['meaning']} estimate (dual value) = {res.cost:.6g}; "
               f"max |mu(L_j) - nu_j| = {res.max_mass_error:.3g}")
    if y.shape[1] == 2:
        from .viz.plots import plot_laguerre, plot_extent
        from .viz import style
        from .semidiscrete import assign

        pts = sampler(4000).double()
        ext = plot_extent(torch.cat([pts, y]).numpy(), pad=0.05)
        xs = torch.linspace(ext[0], ext[1], 400, dtype=torch.float64)
        ys = torch.linspace(ext[2], ext[3], 400, dtype=torch.float64)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)
        cells = assign(grid, y, res.psi, cost=cost)[1].reshape(400, 400).numpy()
        fig, (ax,) = style.figure(size=5)
        plot_laguerre(ax, cells, ext, y, pts[:2000], weights=None if w is None else w.numpy(),
                      title=f"Laguerre cells, {cost}, value {res.cost:.4g}")
        style.save(fig, folder / "laguerre.png")
    click.echo(f"wrote {folder}/solution.json, solution.npz" +
               (", laguerre.png" if y.shape[1] == 2 else ""))


@cli.command(context_settings=CONTEXT)
@click.argument("method", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def presets(method, as_json):
    """List the methods and their named presets (default, paper, and images where defined)."""
    from .methods.specs import METHODS, method_spec

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


@cli.group(context_settings=CONTEXT, invoke_without_command=True)
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
@click.option("--seeds", default=1, show_default=True, help="Seeds per grid point.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="First seed.")
@click.option("--steps", default=2000, show_default=True, help="Generator updates per run.")
@click.option("--workers", default=None, type=int,
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
@click.option("--shard-size", type=int, default=None,
              help="Members per batched shard [default: each ensemble split evenly over "
                   "--workers; 16 with --launcher slurm].")
@click.option("--dry-run", is_flag=True, help="Print the shards and their sizes; train nothing.")
@_progress_option
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
    from .sweep.grid import parse_grid, parse_sets
    from .sweep.slurm import parse_slurm

    base = {"data": data, "method": method, "preset": preset, "seed": seed, **parse_sets(sets)}
    grid = parse_grid(grids)
    settings = parse_slurm(slurm_settings)
    if launcher == "slurm" and not dry_run:
        from .sweep.slurm import check_slurm

        check_slurm()
    from .sweep.folder import SweepFolder
    from .sweep.plan import CLUSTER_SHARD, describe, make_plan
    from .sweep.runner import ideal_workers

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
        from .sweep.slurm import submit_array

        if not pending:
            click.echo(f"nothing to submit; merge with: otgan sweep collect {out}")
            return
        jobs = submit_array(folder, [s["id"] for s in pending], settings)
        click.echo(f"submitted array job {jobs[0].job_id.split('_')[0]}: {len(jobs)} shard(s); "
                   f"when they are done: otgan sweep collect {out}")
        return
    import time

    from .runtime.progress import wanted
    from .sweep.collect import collect, format_table, missing_line, summarize
    from .sweep.launch import run_local

    t0 = time.perf_counter()
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
    from .sweep.folder import SweepFolder

    SweepFolder.open(folder)  # before PyTorch is loaded: a wrong path answers at once
    from .sweep.collect import collect, format_table, missing_line, summarize

    result = collect(folder)
    click.echo(format_table(summarize(result)))
    page = f"; page: {Path(folder) / 'sweep.html'}" if result["members"] else ""
    click.echo(missing_line(result) + page)


@cli.group(context_settings=CONTEXT)
def data():
    """Datasets: describe and plot one (show), fetch the image sets into the local cache."""


@data.command(context_settings=CONTEXT)
@click.argument("name", type=click.Choice(["mnist", "fashion-mnist"]))
@click.option("--source", type=click.Path(file_okay=False), default=None,
              help="A directory holding the four IDX files (optionally .gz) to read instead of "
                   "downloading.")
def fetch(name, source):
    """Fetch NAME into the cache ($OTGAN_DATA or ~/.cache/otgan), verifying its checksums."""
    from .data.images import fetch as fetch_images

    path = fetch_images(name, source)
    click.echo(f"{name}: {path}")


@data.command(name="show", context_settings=CONTEXT)
@click.argument("name")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Plot the training split to this .png (points: a scatter plot with the "
                   "mixture's modes; images: a grid).")
@click.option("--n", "n", type=click.IntRange(1, 100_000), default=None,
              help="Points (or images) plotted [default: 5000 points, 64 images].")
@click.option("--n-train", type=click.IntRange(2, 10**8), default=10000, show_default=True,
              help="Points drawn from a built-in toy set (image sets keep their splits).")
@click.option("--seed", "data_seed", type=SEED, default=0, show_default=True,
              help="Data seed of the toy sets' draw.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
def show_data(name, out, n, n_train, data_seed, as_json, overwrite):
    """Describe dataset NAME (shapes, value range, moments, modes, classes) and plot it.

    Example (the lab's first question): otgan data show ring --out ring.png
    """
    from .data.specs import missing_data

    if missing_data(name):
        raise CommandFailed(missing_data(name))
    if out is not None and Path(out).suffix.lower() != ".png":
        raise CommandFailed(f"--out {out}: must end in .png")
    from .data.dataset import load_dataset
    from .data.summary import summary
    from .fileio import atomic_write_bytes
    from .rundir import check_outputs
    from .viz.plots import data_png

    if out is not None:
        check_outputs([out], overwrite)
    ds = load_dataset(name, n_train=n_train, n_test=max(100, n_train // 4), data_seed=data_seed)
    info = summary(ds)
    if as_json:
        click.echo(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            click.echo(f"  {key:12s} {value}")
    if out is not None:
        shown = ds.train[:n or (64 if ds.is_image else 5000)]
        atomic_write_bytes(out, data_png(shown.numpy(), None if ds.modes is None
                                         else ds.modes.numpy(), title=f"{ds.name}: {len(shown)} "
                                         f"of {ds.train.shape[0]} training points"))
        click.echo(f"wrote {out}")


SOLVE_FILES = ("solution.json", "solution.npz", "laguerre.png")


def _one_line(msg: str) -> str:
    return " ".join(str(msg).split())


class _Terminated(Exception):
    """SIGTERM outside training (training stops itself cleanly: training/signals.py)."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def _stop(code: int, message: str):
    """Exit with ``code`` after a signal, at once: a background evaluation thread or a sweep
    worker still running is not waited for (everything otgan keeps is already written)."""
    import os
    import threading

    click.echo(f"otgan: {message}", err=True)
    if any(t.is_alive() and not t.daemon for t in threading.enumerate()
           if t is not threading.main_thread()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def main(argv=None) -> int:
    """Entry point: run the CLI and map errors to exit codes and one-line messages."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        rv = cli.main(args=argv, prog_name="otgan", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        _stop(130, "interrupted (SIGINT)")
    except _Terminated:
        _stop(143, "stopped by SIGTERM")
    except click.UsageError as e:
        click.echo(f"otgan: error: {_one_line(e.format_message())}", err=True)
        sys.exit(2)
    except click.ClickException as e:
        click.echo(f"otgan: error: {_one_line(e.format_message())}", err=True)
        sys.exit(2)
    except OSError as e:  # the disk or the system refused (read-only, full, permissions, ...)
        where = f"{e.filename}: " if e.filename else ""
        click.echo(f"otgan: error: {where}{_one_line(e.strerror or e)}", err=True)
        sys.exit(2)
    except OtganError as e:
        code = getattr(e, "exit_code", 2)
        if code > 128:  # a signal stopped training, which saved what it could
            _stop(code, f"stopped: {_one_line(e)}")
        prefix = "error" if code == 2 else "stopped"
        click.echo(f"otgan: {prefix}: {_one_line(e)}", err=True)
        sys.exit(code)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
