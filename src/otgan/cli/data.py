"""Data sets and the course's figures: ``otgan data fetch|show``, ``otgan figure``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import CONTEXT, SEED, CommandFailed, Count, OutputFile, write_output


@click.group(context_settings=CONTEXT)
def data():
    """Datasets: describe and plot one (show), fetch the image sets into the local cache."""


@data.command(context_settings=CONTEXT)
@click.argument("name", type=click.Choice(["mnist", "fashion-mnist"]))
@click.option("--source", type=click.Path(file_okay=False), default=None,
              help="A directory holding the four IDX files (optionally .gz) to read instead of "
                   "downloading.")
def fetch(name, source):
    """Fetch NAME into the cache ($OTGAN_DATA or ~/.cache/otgan), verifying its checksums."""
    from ..data.images import fetch as fetch_images

    path = fetch_images(name, source)
    click.echo(f"{name}: {path}")


@data.command(name="show", context_settings=CONTEXT)
@click.argument("name")
@click.option("--out", type=OutputFile(".png"), default=None,
              help="Plot the training split to this .png (points: a scatter plot with the "
                   "mixture's modes; images: a grid).")
@click.option("--n", "n", type=Count(1, 100_000), default=None,
              help="Points (or images) plotted [default: 5000 points, 64 images].")
@click.option("--n-train", type=Count(2, 10**8), default=10000, show_default=True,
              help="Points drawn from a built-in toy set (image sets keep their splits).")
@click.option("--seed", "data_seed", type=SEED, default=0, show_default=True,
              help="Data seed of the toy sets' draw.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
def show_data(name, out, n, n_train, data_seed, as_json, overwrite):
    """Describe dataset NAME (shapes, value range, moments, modes, classes) and plot it.

    Example (the lab's first question): otgan data show ring --out ring.png
    """
    from ..data.specs import missing_data

    if missing_data(name):
        raise CommandFailed(missing_data(name))
    from ..data.dataset import load_dataset
    from ..data.summary import summary
    from ..rundir import check_outputs
    from ..viz.plots import data_png

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
        write_output(out, data_png(shown.numpy(), None if ds.modes is None else
                                   ds.modes.numpy(), title=f"{ds.name}: {len(shown)} of "
                                   f"{ds.train.shape[0]} training points"))
        click.echo(f"wrote {out}")


@click.command(context_settings=CONTEXT)
@click.argument("name", required=False)
@click.option("--out", type=click.Path(file_okay=False), default="figures", show_default=True,
              help="Folder for NAME.png and NAME.json.")
@click.option("--quick", is_flag=True, help="A smaller version (fewer points, fewer updates).")
@click.option("--list", "list_", is_flag=True, help="Name every figure.")
@click.option("--overwrite", is_flag=True, help="Replace an existing NAME.png / NAME.json.")
def figure(name, out, quick, list_, overwrite):
    """Draw one of the course's figures from measurements: a PNG and the numbers it shows."""
    from ..figures import FIGURES, make_figure
    from ..rundir import check_output_folder

    if list_ or name is None:
        for f in FIGURES.values():
            click.echo(f"{f.name:22s} {f.summary}")
        return
    if name in FIGURES:
        check_output_folder(out, FIGURES[name].outputs, overwrite)
    numbers = make_figure(name, out, quick)
    click.echo(f"{name}: wrote {Path(out) / (name + '.png')} and {Path(out) / (name + '.json')}"
               f" ({'quick, ' if quick else ''}{len(numbers)} entries)")


COMMANDS = (data, figure)
