"""Optimal-transport tools: solve (semi-discrete OT), critic (a critic trained alone between two
fixed distributions), encode (latent codes of points under a run)."""

from __future__ import annotations

from pathlib import Path

import click

from .options import (CONTEXT, NONNEGATIVE, POSITIVE, RUN, SEED, CommandFailed, Count,
                      OutputFile, Real, device_option, npy_bytes, num, progress_option, write_output)
from ..nets.specs import INVERSIONS


@click.command(context_settings=CONTEXT)
@click.option("--source", default="uniform", show_default=True,
              help="mu: uniform ([0,1]^d), gaussian, polygon:x1,y1;x2,y2;... (uniform on it), "
                   "module:function (your sampler of n points), a built-in dataset, or a .npy "
                   "of points (an empirical measure).")
@click.option("--targets", "targets_spec", required=True,
              help="nu's points: a .npy file (J x d) or a built-in dataset name.")
@click.option("--n-targets", type=Count(1), default=50, show_default=True,
              help="J, when --targets names a built-in dataset.")
@click.option("--weights", "weights_file", default=None,
              help=".npy or .csv file of J non-negative weights (normalized to sum 1) "
                   "[default: uniform].")
@click.option("--cost", type=click.Choice(["euclidean", "sqeuclidean"]), default="sqeuclidean",
              show_default=True)
@click.option("--steps", type=Count(1), default=5000, show_default=True)
@click.option("--batch", type=Count(1), default=64, show_default=True)
@click.option("--gamma", type=POSITIVE, default=1.0, show_default=True,
              help="Dual step in units of --scale / max(nu_j, 1/batch) (docs/semidiscrete.md).")
@click.option("--scale", type=POSITIVE, default=None,
              help="Cost scale of the step [default: the targets' nearest-neighbour cost].")
@click.option("--threads", type=Count(0, 1024), default=1, show_default=True,
              help="torch CPU threads (0: torch's default).")
@click.option("--eps", type=NONNEGATIVE, default=0.0, show_default=True,
              help="Entropic smoothing (0: exact c-transform).")
@click.option("--n-eval", type=Count(1), default=1_000_000, show_default=True,
              help="Fresh samples for the final dual value and cell masses.")
@click.option("--solver", type=click.Choice(["otgan", "pot"]), default="otgan", show_default=True,
              help="otgan's averaged SGD, or POT's ot.semidiscrete.solve_semidiscrete for "
                   "--steps iterations of --batch points (faster on about 100 targets in "
                   "dimension 16 and more: docs/semidiscrete.md).")
@click.option("--pot-option", "pot_options", multiple=True,
              help="KEY=VALUE keyword of POT's solver (repeatable), e.g. --pot-option lr0=0.5 "
                   "--pot-option decreasing_reg=false.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Folder for solution.json, solution.npz and laguerre.png (2D).")
@click.option("--overwrite", is_flag=True, help="Replace an earlier solution in --out.")
@progress_option
def solve(source, targets_spec, n_targets, weights_file, cost, steps, batch, gamma, scale, threads,
          eps, n_eval, solver, pot_options, seed, out, overwrite, progress):
    """Semi-discrete OT from a continuous measure to weighted points, by averaged SGD."""
    from ..data.specs import missing_data

    if not targets_spec.endswith(".npy") and missing_data(targets_spec):
        raise CommandFailed(f"--targets: {missing_data(targets_spec)}")
    if pot_options and solver != "pot":
        raise CommandFailed("--pot-option applies to --solver pot")
    import torch

    from .. import api

    options = _pot_options(pot_options)
    if threads:
        torch.set_num_threads(threads)
    def said(s):
        click.echo(f"{s['meaning']} estimate (dual value) = {s['value']:.6g}; "
                   f"max |mu(L_j) - nu_j| = {s['max_mass_error']:.3g}")

    s = api.solve(source, targets_spec, out=out, overwrite=overwrite, announce=said,
                  n_targets=n_targets, weights=weights_file, cost=cost, steps=steps, batch=batch,
                  gamma=gamma, scale=scale, eps=eps, n_eval=n_eval, seed=seed, progress=progress,
                  solver=solver, pot_options=options)
    click.echo(f"wrote {out}/{', '.join(s['files'])}")


def _pot_options(items) -> dict:
    """--pot-option KEY=VALUE items as keywords: numbers, true/false/none, else strings."""
    out = {}
    if items:
        import inspect

        from ot.semidiscrete import solve_semidiscrete

        from ..semidiscrete.solver import POT_SET_BY_SOLVE

        known = sorted(set(inspect.signature(solve_semidiscrete).parameters) - POT_SET_BY_SOLVE)
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandFailed(f"--pot-option {item!r}: expected KEY=VALUE, e.g. lr0=0.5")
        if key not in known:
            raise CommandFailed(f"--pot-option {key}: not one of POT's solve_semidiscrete's "
                                f"keywords that otgan leaves open ({', '.join(known)})")
        low = value.lower()
        if low in ("true", "false", "none"):
            out[key] = {"true": True, "false": False, "none": None}[low]
            continue
        try:
            out[key] = int(value)
        except ValueError:
            try:
                out[key] = float(value)
            except ValueError:
                out[key] = value
    return out


@click.command(context_settings=CONTEXT)
@click.option("--real", required=True,
              help="Real side: a built-in dataset, a .npy/.npz/.csv file or an image folder.")
@click.option("--fake", default=None,
              help="Fake side, as --real [default: the same data as --real, transformed].")
@click.option("--generator", "generator_run", type=RUN, default=None,
              help="Fake side: samples of this run's frozen generator (instead of --fake).")
@click.option("--shift", default=None, help="Translate the fake side by T, e.g. 0.5,0.")
@click.option("--scale", type=POSITIVE, default=1.0, show_default=True,
              help="Scale the fake side by S (before the shift).")
@click.option("--noise", type=NONNEGATIVE, default=0.0, show_default=True,
              help="Add N(0, S^2) noise to the fake side's points.")
@click.option("--method", default="wgan-gp", show_default=True,
              help="Whose critic or discriminator: any method (see `otgan presets`).")
@click.option("--steps", type=Count(1), default=2000, show_default=True, help="Critic updates.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--set", "sets", multiple=True,
              help="KEY=VALUE config field (repeatable): --set gp_lambda=10 --set lr_d=1e-3.")
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Folder for critic.json, curve.png and critic.png (2D).")
@click.option("--overwrite", is_flag=True, help="Replace an earlier critic.json in --out.")
@progress_option
def critic(real, fake, generator_run, shift, scale, noise, method, steps, seed, sets, out,
           overwrite, progress):
    """Train a critic alone between two fixed distributions; what it estimates beside the exact
    value.  Example (the translation oracle, W1 = 0.5):

    otgan critic --real ring --shift 0.5,0 --method wgan-gp --out critics/ring
    """
    from ..sweep.grid import parse_sets

    if generator_run is not None and fake is not None:
        raise CommandFailed("pass --fake or --generator, not both")
    t = None
    if shift is not None:
        try:
            t = tuple(float(v) for v in shift.split(","))
        except ValueError:
            raise CommandFailed(f"--shift {shift!r}: expected numbers such as 0.5,0") from None
    options = parse_sets(sets)
    from .. import api
    from ..training.critic_fit import summary

    fake_side = api.load_run(generator_run) if generator_run is not None else (fake or real)
    result = api.fit_critic(real, fake_side, method, steps, seed, out=out, overwrite=overwrite,
                            shift=t, scale=scale, noise=noise, progress=progress, **options)
    click.echo(f"{method} critic, {steps} updates in {result['seconds']:.1f} s: "
               f"{result['real']} against {result['fake']} ({result['n_eval']} held-out points "
               f"each)")
    for key, value in summary(result).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            click.echo(f"  {key:24s} {num(value)}")
    click.echo(f"wrote {Path(out) / 'critic.json'}")


@click.command(context_settings=CONTEXT)
@click.argument("run_dir", type=RUN)
@click.option("--data", "data", required=True,
              help="Points to encode: a .npy/.npz/.csv file of the run's shape (in file order) "
                   "or a built-in dataset name (its held-out split).")
@click.option("--out", type=OutputFile(".npy"), required=True,
              help="Output .npy file: the n x latent_dim float32 codes.")
@click.option("--n", "n", type=Count(1, 10**8), default=None,
              help="Encode the first N points only [default: all].")
@click.option("--inversion", type=click.Choice(INVERSIONS), default="auto", show_default=True,
              help="encoder: E(x) (bigan, bigan-gp); optimize: argmin_z ||G(z) - x||^2 by Adam; "
                   "auto: the encoder where the run has one.")
@click.option("--steps", type=Count(1, 10**6), default=500, show_default=True,
              help="Adam updates of the inversion by optimization.")
@click.option("--lr", type=Real(0.0, open=True, hi=10.0), default=0.1,
              show_default=True, help="Initial Adam learning rate (decayed linearly to 0).")
@device_option
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
def encode(run_dir, data, out, n, inversion, steps, lr, device, overwrite):
    """Write the latent codes of points under a saved run to an .npy array, and print the
    reconstruction error of G(code) against the error of G at random codes."""
    from .. import api
    from ..rundir import check_outputs
    from ..training import latent

    check_outputs([out], overwrite)
    run = api.load_run(run_dir, device=device)
    how = latent.resolve_inversion(run, inversion)
    x = latent.points(run, data)[:n]
    z = latent.codes(run, x, how, steps=steps, lr=lr)
    err = latent.reconstruction_error(x, run.generate(z).cpu(),
                                      run.generate(run.latents(x.shape[0], run.eval_seed + 3)))
    write_output(out, npy_bytes(z.float().numpy()))
    by = "the encoder E(x)" if how == "encoder" else f"optimization ({steps} Adam steps)"
    click.echo(f"wrote {z.shape[0]} x {z.shape[1]} float32 latent codes ({by}) to {out}")
    click.echo(f"reconstruction error (MSE per coordinate) {err['recon_mse']:.5g}; "
               f"G at random codes {err['recon_baseline_mse']:.5g}; ratio "
               f"{err['recon_ratio']:.4g}")


COMMANDS = (solve, critic, encode)
