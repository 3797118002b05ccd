"""The Python API: ``train``, ``load_run``, ``resume`` and the ``Run`` they return.

>>> import otgan
>>> run = otgan.train(data="ring", method="wgan-gp", steps=2000, seed=0, out="runs/ring")
>>> x = run.sample(1000, seed=1)            # (1000, 2) float32 numpy array
>>> run = otgan.load_run("runs/ring")       # later, or in another process

Any ``nn.Module`` pair and any data tensor work too::

    otgan.train(data=my_tensor, generator=my_G, critic=my_D, latent_dim=16, steps=5000)

Under torchrun, ``otgan.train`` runs data-parallel exactly as ``otgan train`` does.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Mapping

from torch import nn

from .config import TrainConfig, from_dict, resolve
from .rundir import RunDir
from .runtime.progress import wanted
from .training import fit as _fit
from .training.build import restore
from .training.run import Run

__all__ = ["Run", "describe_networks", "evaluate", "fit_critic", "load_run", "make_config",
           "read_run_config", "resume", "solve", "train"]


def make_config(config: TrainConfig | Mapping | None = None, config_file=None,
                overrides: Mapping[str, Any] | None = None) -> TrainConfig:
    """A validated config from a TrainConfig or a mapping, a config file and overrides.

    Parameters
    ----------
    config : TrainConfig or mapping, optional
        A TrainConfig (kept, then overridden) or a mapping of fields (resolved with the
        method's preset: defaults < preset < file < overrides).
    config_file : str or path, optional
        A TOML or JSON file of fields.
    overrides : mapping, optional
        Fields that win over everything else.

    Returns
    -------
    TrainConfig
        The resolved, validated configuration.
    """
    if isinstance(config, TrainConfig):
        return resolve(overrides, config_file, base=config)
    return resolve({**dict(config or {}), **dict(overrides or {})}, config_file)


def train(config: TrainConfig | Mapping | None = None, *, data=None, weights=None,
          generator: nn.Module = None,
          critic: nn.Module = None, out: str | Path | None = None, overwrite: bool = False,
          config_file: str | Path | None = None, progress: bool | None = None,
          verbose: bool = False, **overrides) -> Run:
    """Train a GAN.

    With ``out``, a run folder is written there; one holding the run these same options
    started is continued instead (docs/runs.md).

    Parameters
    ----------
    config : TrainConfig or mapping, optional
        A configuration to start from (``make_config``'s ``config``).
    data : str, path, array_like, tuple or Dataset, optional
        A built-in name (``"ring"``, ``"mnist"``, ...), a file path, a tensor or array
        (N, ...), a (train, test) pair or a ``Dataset`` [default: the config's ``data``].
    weights : array_like, optional
        One weight per point of ``data``: the data is then the weighted discrete measure
        sum_j w_j delta_{x_j} (every point trains; held-out points are draws from it).
    generator, critic : torch.nn.Module, optional
        Networks of your own instead of the built-in pairs.
    out : str or path, optional
        The run folder [default: none, nothing written].
    overwrite : bool
        Replace a run folder holding another run.
    config_file : str or path, optional
        A TOML or JSON file of config fields.
    progress : bool, optional
        A progress bar [default: in a terminal or a notebook].
    verbose : bool
        A line on stderr when training starts.
    **overrides
        Config fields (``method="wgan-gp"``, ``steps=2000``, ...; docs/configuration.md).

    Returns
    -------
    Run
        The trained run: ``run.sample(n)``, ``run.history``, ``run.path``.
    """
    if isinstance(data, (str, Path)):
        overrides["data"] = str(data)
    elif data is not None:
        overrides.setdefault("data", "tensor")
    cfg = make_config(config, config_file, overrides)
    return _fit.train(cfg, data, weights=weights, generator=generator, critic=critic, out=out,
                      overwrite=overwrite, progress=wanted(progress),
                      announce=_announce if verbose else None, config_file=config_file)


def _announce(run: Run) -> None:
    cfg = run.config
    ranks = f", {run.world.size} ranks" if run.world.active else ""
    where = f" -> {run.path}" if run.path is not None else ""
    what = (f"resuming from step {run.state.step} to {cfg.steps}" if run.state.step else
            f"training {cfg.method} on {cfg.data} for {cfg.steps} generator updates"
            + (f" ({cfg.epochs:g} epochs)" if cfg.epochs else ""))
    what += f", at most {cfg.time_limit:g} s of training" if cfg.time_limit else ""
    print(f"otgan: {what} (device {run.device}, seed {cfg.seed}{ranks}){where}",
          file=sys.stderr, flush=True)


def resume(path: str | Path, overrides: Mapping[str, Any] | None = None,
           progress: bool | None = None, generator: nn.Module = None, critic: nn.Module = None,
           verbose: bool = False, accept_changed_inputs: bool = False) -> Run:
    """Continue the run in ``path`` from its last checkpoint.

    On the CPU, the result is bitwise the run that was never interrupted.

    Parameters
    ----------
    path : str or path
        The run folder.
    overrides : mapping, optional
        Fields that may change on resume (more ``steps``, ``eval_every``, ``device``, ...).
    progress : bool, optional
        A progress bar [default: in a terminal or a notebook].
    generator, critic : torch.nn.Module, optional
        The run's own networks, for a run trained with custom modules.
    verbose : bool
        A line on stderr when training starts.
    accept_changed_inputs : bool
        Accept a data or weights file changed since the run read it (then recorded in
        config.json); refused otherwise.

    Returns
    -------
    Run
        The continued run.
    """
    return _fit.resume(path, overrides, progress=wanted(progress), generator=generator,
                       critic=critic, announce=_announce if verbose else None,
                       accept_changed_inputs=accept_changed_inputs)


def load_run(path: str | Path, device: str = "cpu", generator: nn.Module = None,
             critic: nn.Module = None, accept_changed_inputs: bool = False) -> Run:
    """Open a run folder for sampling or evaluation.

    Parameters
    ----------
    path : str or path
        The run folder.
    device : str
        Where to load the networks (``"cpu"``, ``"cuda"``, ...).
    generator, critic : torch.nn.Module, optional
        The run's own networks, for a run trained with custom modules.
    accept_changed_inputs : bool
        Evaluate even if a data or weights file changed since the run read it
        (``run.changed_inputs`` then lists the changes); refused otherwise.

    Returns
    -------
    Run
        The run, with ``history`` read from its ``metrics.jsonl``.
    """
    run, _ = restore(path, {"device": device}, generator=generator, critic=critic,
                     accept_changed_inputs=accept_changed_inputs)
    run.history = run.folder.read_metrics()
    return run


def fit_critic(real, fake, method: str = "wgan-gp", steps: int = 2000, seed: int = 0, *,
               out: str | Path | None = None, overwrite: bool = False, **options) -> dict:
    """Train a method's critic alone between two fixed distributions.

    The critic (or discriminator, or semi-discrete dual) of ``method`` is trained between
    ``real`` and ``fake`` and read on held-out points: ``fit_critic("ring", "ring",
    shift=(0.5, 0))`` is the oracle W1 = 0.5.

    Parameters
    ----------
    real, fake : array_like, str, path or Run
        Tensors or arrays (N, ...), file paths, built-in dataset names, or a ``Run`` (its
        frozen generator).
    method : str
        The method whose critic trains.
    steps : int
        Critic updates.
    seed : int
        Seed of the critic's initialization and batches.
    out : str or path, optional
        A folder for critic.json, curve.png and, on 2D data, critic.png (level sets and
        gradient arrows).
    overwrite : bool
        Replace an earlier critic.json in ``out``.
    **options
        ``shift=(0.5, 0)``, ``scale``, ``noise`` transform ``fake``; ``progress`` (a progress
        bar [default: in a terminal or a notebook]); other keywords are config fields
        (``gp_lambda=10``, ``lr_d=1e-3``, ...).

    Returns
    -------
    dict
        ``critic_gap`` (E D(real) - E D(fake)), ``w_estimate`` (the number otgan shows as W,
        for methods that estimate W1), ``js_estimate`` (JS methods), ``w1`` (exact), the
        Lipschitz diagnostics, ``curve`` and ``critic`` (the trained module).
    """
    from .rundir import check_output_folder
    from .training.critic_fit import fit_critic as _fit_critic, write_folder

    if out is not None:
        out = Path(out)
        check_output_folder(out, ("critic.json", "curve.png", "critic.png"), overwrite)
    options["progress"] = wanted(options.get("progress"))
    result = _fit_critic(real, fake, method, steps, seed, **options)
    if out is not None:
        write_folder(result, out)
    return result


def solve(source: str, targets: str, *, out: str | Path | None = None, overwrite: bool = False,
          announce=None, **options) -> dict:
    """Semi-discrete optimal transport from a continuous measure mu to weighted points nu.

    Averaged SGD on the dual: the course's semi-discrete WGAN critic, alone.

    Parameters
    ----------
    source : str
        mu: ``uniform`` ([0,1]^d), ``gaussian``, ``polygon:x1,y1;...``, ``module:function``,
        a built-in data set or a .npy of points.
    targets : str
        nu's points: a .npy file (J x d) or a built-in data set (``n_targets`` of its points).
    out : str or path, optional
        A folder for solution.json, solution.npz and, in 2D, laguerre.png (the Laguerre cells).
    overwrite : bool
        Replace an earlier solution in ``out``.
    announce : callable, optional
        ``announce(summary)`` is called before any file is written.
    **options
        ``weights`` (a .npy/.csv file), ``n_targets``, ``cost`` (``sqeuclidean`` or
        ``euclidean``), ``steps``, ``batch``, ``gamma``, ``scale``, ``eps``, ``n_eval``,
        ``seed``, ``progress``, ``solver`` (``otgan`` or ``pot``: POT's
        ``solve_semidiscrete`` on the same problem) and ``pot_options`` (its keywords).

    Returns
    -------
    dict
        The summary: ``value`` (the dual value, an estimate of W2^2 or W1 as ``meaning``
        says), ``max_mass_error`` (max_j ``|mu(L_j) - nu_j|``), with the tensors ``psi``,
        ``masses``, ``targets`` and ``weights`` added.
    """
    from .rundir import check_output_folder
    from .training.sd_solve import FILES, make_problem, solve_problem, write_folder

    shared = {k: options[k] for k in ("batch", "n_eval", "seed") if k in options}
    problem = make_problem(source, targets, n_targets=options.pop("n_targets", 50),
                           weights=options.pop("weights", None), **shared)
    if out is not None:
        out = Path(out)
        check_output_folder(out, FILES, overwrite)
    options["progress"] = wanted(options.get("progress"))
    sol = solve_problem(problem, **options)
    if announce is not None:
        announce(sol.summary)
    if out is not None:
        sol.summary["files"] = write_folder(sol, out)
    return dict(sol.summary, psi=sol.result.psi, masses=sol.result.masses,
                targets=problem.targets, weights=sol.weights)


def evaluate(run: Run, metrics=None, n: int | None = None, progress: bool | None = None):
    """Evaluate a loaded run against its held-out data and write the folder's eval.json.

    Parameters
    ----------
    run : Run
        A run with a folder (``load_run``).
    metrics : str or list of str, optional
        Metric names [default: every metric that applies].
    n : int, optional
        How many points [default: the run's ``eval_n``].
    progress : bool, optional
        A bar naming the metric being computed [default: in a terminal or a notebook].

    Returns
    -------
    record : dict
        Each metric's values and ``eval_n``.
    path : pathlib.Path
        The eval.json written.
    """
    from .fileio import atomic_write_json
    from .viz.report import EVAL

    result = run.evaluate(metrics, n, progress=progress)
    result["eval_n"] = min(n or run.config.eval_n, run.dataset.test.shape[0])
    record = dict(result, changed_inputs=run.changed_inputs) if run.changed_inputs else result
    path = run.folder.file(EVAL)
    atomic_write_json(path, record)
    return result, path


def describe_networks(run: Run) -> list[tuple]:
    """The generator and the critic of a loaded run, layer by layer.

    Parameters
    ----------
    run : Run
        A trained or loaded run.

    Returns
    -------
    list of tuple
        For each network, (name, its input, its output shape, parameter count, its layers as
        ``nets.describe.layer_table`` rows).
    """
    import torch

    from .nets.describe import layer_table, parameter_count

    z = run.latents(2, 0).to(run.device)
    real = torch.zeros((2,) + run.data_shape, device=run.device)
    _, fake = run.method.critic_inputs(run.generator, real, z)
    out = []
    for label, net, x, what in (
            ("generator", run.generator, z, f"latent code ({run.latent_dim},), "
                                            f"{run.config.latent}"),
            ("critic", run.critic, fake, f"{tuple(fake.shape[1:])}")):
        rows = layer_table(net, x)
        out.append((label, what, rows[-1]["output"] if rows else None, parameter_count(net),
                    rows))
    return out


def read_run_config(path: str | Path) -> TrainConfig:
    """The configuration a run folder was trained with."""
    return from_dict(RunDir.open(path).read_config()["config"])
