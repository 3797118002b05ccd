"""The mode-collapse benchmarks: ``otgan benchmark mixtures|stacked-mnist`` (the work is
``otgan.benchmark``'s; PyTorch loads when a benchmark runs, after its options are checked)."""

from __future__ import annotations

import click

from ..config import MAX_STEPS
from .options import (CONTEXT, REFINE_LR, REFINE_SCALE, REFINE_STEPS, SEEDS, WORKERS, Count,
                      Real)

#: a budget in seconds beyond this (116 days per run) is no budget
MAX_SECONDS = 1e7


def _budget_options(fn):
    fn = click.option("--seconds", type=Real(0.0, open=True, hi=MAX_SECONDS), default=None,
                      help="Training budget per run in seconds (one torch thread) [default: 60 "
                           "for mixtures unless --steps].")(fn)
    fn = click.option("--steps", type=Count(1, MAX_STEPS), default=None,
                      help="Training budget per run in generator updates.")(fn)
    return fn


def _common(fn):
    for opt in reversed([
        click.option("--method", "methods", multiple=True, default=("wgan-gp",),
                     show_default=True,
                     help="A method, or METHOD:PRESET (repeatable; comma lists too)."),
        click.option("--preset", "presets", multiple=True, default=("default",),
                     show_default=True,
                     help="Presets of the methods named without one (repeatable)."),
        click.option("--seeds", type=SEEDS, default=None,
                     help="Seeds per configuration (0 .. seeds-1) [default: 10 for mixtures, "
                          "1 for stacked-mnist]."),
        click.option("--workers", type=WORKERS, default=None,
                     help="Processes of one thread each [default: 2 where there are 2 cores]."),
        click.option("--set", "sets", multiple=True,
                     help="KEY=VALUE config field every run takes (repeatable)."),
        click.option("--out", type=click.Path(file_okay=False), required=True,
                     help="Benchmark folder; the same command there again trains only the "
                          "runs not done and writes the outputs again."),
        click.option("--overwrite", is_flag=True,
                     help="Replace an earlier benchmark's files in --out."),
        click.option("--progress/--no-progress", default=None,
                     help="A progress bar [default: when stderr is a terminal]."),
    ]):
        fn = opt(fn)
    return fn


def _split(values) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _refinements(refine_steps, refine_lr, refine_scales, no_refine, reject=False):
    if no_refine:
        return {}
    from ..training.refine import Refinement
    from ..training.reject import Rejection

    out = {("dot" if s == 1 else f"dot k/{1 / s:g}"): Refinement(steps=refine_steps,
                                                                lr=refine_lr, k_scale=s)
           for s in refine_scales}
    return dict(out, drs=Rejection()) if reject else out


def _refine_options(scales=(1.0, 0.1), samples=2500, reject=True):
    """The readings through the critic: DOT at each of ``scales`` (none: asked for), and
    rejection of ``samples`` samples (by default or asked for)."""
    return lambda fn: _add_refine_options(fn, scales, samples, reject)


def _add_refine_options(fn, scales, samples, reject):
    for opt in reversed([
        click.option("--refine-steps", type=REFINE_STEPS, default=100, show_default=True,
                     help="Discriminator optimal transport: Adam updates per sample, read "
                          "beside the plain samples."),
        click.option("--refine-lr", type=REFINE_LR, default=0.01, show_default=True,
                     help="Its learning rate (model coordinates)."),
        click.option("--refine-scale", "refine_scales", type=REFINE_SCALE,
                     multiple=True, default=scales, show_default=bool(scales),
                     help="k as a multiple of the critic's estimated Lipschitz constant k_eff "
                          "(1: DOT as published); one refined reading per value"
                          + ("." if scales else " [default: none].")),
        click.option("--no-refine", is_flag=True,
                     help="Read the plain samples only (no refinement, no rejection)."),
        click.option("--reject/--no-reject", default=reject, show_default=True,
                     help=f"Also read {samples} samples kept by discriminator rejection "
                          f"sampling, for the methods whose discriminator estimates a density "
                          f"ratio."),
    ]):
        fn = opt(fn)
    return fn


@click.group(context_settings=CONTEXT)
def benchmark():
    """The field's mode-collapse benchmarks as published (VEEGAN, PacGAN): 2D mixtures and
    Stacked MNIST, mean and standard error over seeds beside the published rows."""


@benchmark.command(context_settings=CONTEXT)
@_common
@_budget_options
@_refine_options()
def mixtures(methods, presets, seeds, workers, sets, out, overwrite, progress, steps, seconds,
             refine_steps, refine_lr, refine_scales, no_refine, reject):
    """The 8-mode ring (sigma 0.01) and 25-mode grid (sigma 0.05): 2500 samples per run, high
    quality within 3 sigma, modes covered, KL; plain and critic-refined samples.  Writes
    benchmark.json, table.md and samples.png in --out."""
    from ..sweep.grid import parse_sets

    from ..benchmark.configs import check_configs, parse_configs

    extra = parse_sets(sets)
    if steps is None and seconds is None:
        seconds = 60.0
    for data in ("8gaussians", "25gaussians"):  # before PyTorch loads: a bad name answers at once
        check_configs(parse_configs(_split(methods), _split(presets)), data, extra)
    from ..runtime.progress import wanted
    from ..sweep.runner import ideal_workers
    from ..benchmark.mixtures import run_mixtures
    from ..training.signals import continued_by

    with continued_by(f"the same otgan benchmark mixtures command again (--out {out})"):
        result = run_mixtures(_split(methods), _split(presets), seeds=seeds or 10, steps=steps,
                              seconds=seconds, workers=workers or ideal_workers(), out=out,
                              refine=_refinements(refine_steps, refine_lr, refine_scales, no_refine,
                                                 reject),
                              overwrite=overwrite, progress=wanted(progress), extra=extra,
                              say=lambda m: click.echo(m, err=True))
    click.echo(result["table"])
    click.echo(f"written: {out}/benchmark.json, table.md, samples.png")


@benchmark.command(name="stacked-mnist", context_settings=CONTEXT)
@_common
@_budget_options
@click.option("--eval-every", type=Count(1, MAX_STEPS), default=2000, show_default=True,
              help="Generator updates between the evaluations of the curve (26000 samples "
                   "each), and one at the end.")
@_refine_options(scales=(), samples=26000, reject=False)
def stacked_mnist(methods, presets, seeds, workers, sets, out, overwrite, progress, steps,
                  seconds, eval_every, refine_steps, refine_lr, refine_scales, no_refine,
                  reject):
    """Stacked MNIST (three MNIST digits as three channels, 1000 modes): modes covered by
    26000 samples and KL to uniform, read by otgan's MNIST classifier per channel, with the
    curve against training time, the classifier's accuracy and the real test set's ceiling.
    Asked for, 26000 samples kept by rejection (density-ratio methods) or refined by the critic
    are read at the end.  Writes benchmark.json, table.md, samples.png and curves.png in --out.
    Default --preset: each method's images preset; default budget: 1800 s per run unless
    --steps."""
    from ..sweep.grid import parse_sets

    from ..benchmark.configs import check_configs, parse_configs

    extra = parse_sets(sets)
    if steps is None and seconds is None:
        seconds = 1800.0
    presets = _split(presets)
    presets = ["images"] if presets == ["default"] else presets
    check_configs(parse_configs(_split(methods), presets), "stacked-mnist",
                  {"metrics": "stacked", **extra})
    from ..runtime.progress import wanted
    from ..sweep.runner import ideal_workers
    from ..benchmark.stacked import run_stacked_mnist
    from ..training.signals import continued_by

    with continued_by(f"the same otgan benchmark stacked-mnist command again (--out {out})"):
        result = run_stacked_mnist(_split(methods), presets,
                                   seeds=seeds or 1, steps=steps, seconds=seconds,
                                   eval_every=eval_every, workers=workers or ideal_workers(),
                                   out=out, readings=_refinements(refine_steps, refine_lr,
                                                                  refine_scales, no_refine, reject),
                                   overwrite=overwrite, progress=wanted(progress),
                                   extra=extra, say=lambda m: click.echo(m, err=True))
    click.echo(result["table"])
    click.echo(f"written: {out}/benchmark.json, table.md, samples.png, curves.png")


COMMANDS = [benchmark]
