"""Critics trained alone: a method's critic or discriminator between two fixed distributions.

    result = fit_critic(real, fake, method="wgan-gp", steps=2000, seed=0)
    result["w_estimate"], result["critic_gap"], result["w1"]

Nothing moves but the critic: ``real`` and ``fake`` are fixed point sets (tensors, arrays, files,
built-in datasets, optionally translated, scaled or blurred) or the frozen generator of a
trained run.  The critic trains on their training points and is read on held-out points; the
result holds what the critic's number estimates next to the exact value where it can be
computed (W1 by POT's network simplex), so a critic can be checked against a known answer: a
translated point cloud (W1 = |t|), disjoint supports (JS = log 2).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch

from ..config import TrainConfig, critic_optimizer_kind, resolve
from ..data.dataset import Dataset, load_dataset
from ..errors import ConfigError, DataError
from ..methods.specs import method_spec
from ..metrics.suite import compute
from ..metrics.registry import EvalContext
from ..metrics.gradients import input_gradient_norms
from ..metrics.registry import w_estimate
from ..nets.build import build_networks
from ..nets.latent import sample_latent
from ..runtime.device import resolve_device, set_threads
from ..runtime.progress import bar as progress_bar
from .datasets import dataset_for
from .optim import make_optimizer
from .sampler import BatchSampler
from .state import seed_everything


@dataclass
class Distribution:
    """One side of a critic fit: training points drawn in shuffled batches, or a sampler of
    fresh points (a frozen generator), and held-out points the critic is read on."""

    name: str
    test: torch.Tensor
    train: torch.Tensor | None = None
    draw: Callable[[int], torch.Tensor] | None = None
    #: the training points' weights (a weighted discrete measure), None: uniform
    weights: torch.Tensor | None = None


def transform(x: torch.Tensor, shift: Sequence[float] | None = None, scale: float = 1.0,
              noise: float = 0.0, seed: int = 0) -> torch.Tensor:
    """``scale * x + shift + noise * N(0, I)`` (a fixed draw of the noise per point)."""
    out = x * scale
    if shift is not None:
        t = torch.as_tensor(list(shift), dtype=x.dtype)
        if t.numel() != x[0].numel():
            raise DataError(f"shift has {t.numel()} coordinates, the data {x[0].numel()}")
        out = out + t.reshape(x.shape[1:])
    if noise > 0:
        g = torch.Generator().manual_seed(seed)
        out = out + noise * torch.randn(x.shape, generator=g, dtype=x.dtype)
    return out


def as_distribution(spec, cfg: TrainConfig, *, shift=None, scale: float = 1.0,
                    noise: float = 0.0, seed_offset: int = 0) -> Distribution:
    """A side of the fit from a dataset name or file, a tensor or array, a Dataset, a
    ``Distribution``, or a trained ``Run`` (its frozen generator, EMA where it has one)."""
    if isinstance(spec, Distribution):
        return spec
    if hasattr(spec, "generate") and hasattr(spec, "latents"):  # a Run
        run = spec
        g = torch.Generator().manual_seed(cfg.seed + 7919 + seed_offset)

        def draw(n: int) -> torch.Tensor:
            z = sample_latent(run.config.latent, (n, run.latent_dim), generator=g)
            return transform(run.generate(z).cpu(), shift, scale, 0.0)

        test = draw(cfg.eval_n)
        return Distribution(f"generator of {run.path or 'a run'}", test, draw=draw)
    if isinstance(spec, (str, Path)):
        ds = load_dataset(str(spec), n_train=cfg.n_train, n_test=cfg.n_test,
                          data_seed=cfg.data_seed + seed_offset,
                          test_fraction=cfg.test_fraction)
    else:
        ds = dataset_for(cfg, spec) if not isinstance(spec, Dataset) else spec
    name = ds.name
    if shift is not None or scale != 1.0 or noise > 0:
        name += f" (x {scale:g}" + (f" + {tuple(shift)}" if shift is not None else "") + \
            (f" + N(0, {noise:g}^2)" if noise > 0 else "") + ")"
    s = 1000 * cfg.data_seed + 2 * seed_offset + 7  # the noise: its own stream
    return Distribution(name, transform(ds.test, shift, scale, noise, s + 1),
                        train=transform(ds.train, shift, scale, noise, s), weights=ds.weights)


class _Batches:
    def __init__(self, dist: Distribution, batch: int, device):
        self.dist, self.batch = dist, batch
        self.sampler = None if dist.train is None else BatchSampler(
            dist.train.to(device), batch, weights=dist.weights)
        self.device = device

    def next(self) -> torch.Tensor:
        if self.sampler is not None:
            return self.sampler.next()
        return self.dist.draw(self.batch).to(self.device)


def fit_critic(real, fake, method: str = "wgan-gp", steps: int = 2000, seed: int = 0, *,
               every: int = 100, progress: bool = False, config_file=None, shift=None,
               scale: float = 1.0, noise: float = 0.0, **config) -> dict:
    """Train ``method``'s critic between ``real`` and ``fake`` for ``steps`` updates.

    ``shift``/``scale``/``noise`` transform ``fake`` (a translated copy of ``real`` is the
    oracle W1 = |shift|).  Returns a dict: ``critic_gap`` (E D(real) - E D(fake) on held-out
    points), the method's estimate (``w_estimate`` for a Wasserstein critic, ``js_estimate``,
    ...), ``w1`` (exact, held-out against held-out), the Lipschitz diagnostics, and ``curve``
    (the held-out estimate every ``every`` updates).
    """
    from ..methods.registry import make_method

    cfg = resolve(dict(config, method=method, seed=seed, steps=steps), config_file)
    spec = method_spec(cfg.method)
    cfg = dataclasses.replace(cfg, **spec.critic_alone)
    device = resolve_device(cfg.device)
    set_threads(device, cfg.threads)
    seed_everything(cfg.seed)
    P = as_distribution(real, cfg)
    # the same draw on both sides: a built-in set against its own translate is the oracle
    # W1 = |shift| exactly (pass data_seed-shifted files or tensors for independent draws)
    Q = as_distribution(fake, cfg, shift=shift, scale=scale, noise=noise, seed_offset=0)
    if P.test.shape[1:] != Q.test.shape[1:]:
        raise DataError(f"real points have shape {tuple(P.test.shape[1:])}, fake points "
                        f"{tuple(Q.test.shape[1:])}")
    m = make_method(cfg)
    if m.bidirectional or m.latent_critic:  # (x, z) pairs, or latent points of a generator
        reads = ("(x, z) pairs of a generator and an encoder" if m.bidirectional
                 else "latent points of a generator, not data")
        raise ConfigError(f"method {method}: its critic reads {reads}; a critic alone between "
                          f"two sets of points is gan's or wgan-gp's")
    critic = m.build_critic(P.train.to(device), P.weights) if m.critic_from_data else None
    if critic is None:
        _, critic = build_networks(cfg, tuple(P.test.shape[1:]))
        critic = m.prepare_critic(critic)
    critic = critic.to(device)
    opt = m.make_critic_optimizer(critic) or make_optimizer(critic.parameters(), cfg, cfg.lr_d,
                                                            critic_optimizer_kind(cfg))
    reals, fakes = _Batches(P, cfg.batch_size, device), _Batches(Q, cfg.batch_size, device)
    n = min(cfg.eval_n, P.test.shape[0], Q.test.shape[0])
    real_test, fake_test = P.test[:n].to(device), Q.test[:n].to(device)
    curve = []
    t0 = time.perf_counter()
    for step in progress_bar(range(1, steps + 1), enabled=progress, desc=f"{method} critic"):
        loss, _ = m.critic_loss(critic, reals.next() if m.draws_real else None, fakes.next())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        m.after_critic_step(critic)
        if step % every == 0 or step == steps:
            curve.append({"step": step, **_held_out_estimate(m, critic, real_test, fake_test)})
    seconds = time.perf_counter() - t0
    ctx = EvalContext(fake=fake_test.cpu(), real=real_test.cpu(), critic=critic,
                      estimates=m.estimates,
                      estimate=m.estimate,
                      generator=torch.Generator(device=device).manual_seed(cfg.seed + 1))
    out = compute(["w1", "critic", "lipschitz"], ctx)
    out.pop("sigma_layers", None)
    out.update(method=method, estimates=m.estimates, steps=steps, seconds=round(seconds, 3),
               real=P.name, fake=Q.name, n_eval=n, curve=curve,
               config={k: v for k, v in cfg.to_dict().items() if k in _REPORTED + spec.params})
    out["critic"] = critic
    out["_real_test"], out["_fake_test"], out["_method"] = real_test.cpu(), fake_test.cpu(), m
    return out


#: the general config fields a critic fit reports (those that shape the critic and its
#: training); the method's own fields are reported too
_REPORTED = ("method", "preset", "lr_d", "optimizer", "d_optimizer", "beta1", "beta2",
             "batch_size", "d_hidden", "activation", "seed")
#: what the table and critic.json show first, in this order, where present: the exact value and
#: the estimates of W, then the method's own estimate, then the critic's slope
_FIRST = ("w1", "w_estimate", "w_ratio", "critic_gap", "w_critic_slope", "w2sq_estimate")
_LAST = ("lip_mean", "lip_max", "gnorm_interp")


def summary(result: dict) -> dict:
    """The JSON-able part of a result (no module), headline values first."""
    keys = _FIRST + method_spec(result["method"]).headline + _LAST
    out = {k: result[k] for k in keys if k in result}
    out.update({k: v for k, v in result.items()
                if k not in out and k != "critic" and not k.startswith("_")})
    return out


def write_folder(result: dict, out: Path) -> list[Path]:
    """critic.json, curve.png and (2D data) critic.png: level sets and gradient arrows."""
    from ..fileio import atomic_write_json
    from ..viz import style
    from ..viz.plots import plot_critic, plot_extent
    from ..viz.snapshots import critic_snapshot

    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "critic.json", summary(result))
    written = [out / "critic.json"]
    fig, (ax,) = style.figure(size=4.2)
    curve = result["curve"]
    for key in ("w_estimate", "critic_gap", "w2sq_estimate", "js_estimate", "lc_estimate"):
        vals = [c[key] for c in curve if key in c]
        if vals:
            ax.plot([c["step"] for c in curve if key in c], vals, "o-", ms=3, lw=1,
                    label=f"{key} (held-out)")
    if "w1" in result:
        ax.axhline(result["w1"], color="k", ls=":", lw=1, label=f"exact W1 {result['w1']:.4f}")
    ax.set_xlabel("critic updates", fontsize=8)
    ax.legend(fontsize=7)
    ax.set_title(f"{result['method']}: {result['real']} vs {result['fake']}", fontsize=8)
    style.save(fig, out / "curve.png")
    written.append(out / "curve.png")
    real, fake = result["_real_test"], result["_fake_test"]
    if real.shape[1:] == (2,):
        extent = plot_extent(torch.cat([real, fake]), pad=0.1)
        snap = critic_snapshot(result["critic"], lambda x: x, extent, fake, result["steps"])
        fig, (ax,) = style.figure(size=5.0)
        plot_critic(ax, snap, real[:1000], f"{result['method']} critic after {result['steps']} "
                    f"updates (blue: real, orange: fake)",
                    label="critic D(x)" if result["estimates"].startswith("W") else
                    "discriminator score")
        style.save(fig, out / "critic.png")
        written.append(out / "critic.png")
    return written


def _held_out_estimate(method, critic, real, fake) -> dict:
    was = critic.training
    critic.eval()
    try:
        with torch.no_grad():
            s_real = critic(real).reshape(-1).double()
            s_fake = critic(fake).reshape(-1).double()
        out = method.estimate(critic, s_real, s_fake)
        if method.estimates == "W" and "w_estimate" not in out:
            k = float(input_gradient_norms(critic, torch.cat([real, fake])).double().mean())
            out["w_estimate"] = w_estimate(out["critic_gap"], k)
    finally:
        critic.train(was)
    return out


