"""Evaluation of a run: the context metrics read, which metrics apply, and the evaluator that
runs them during training, optionally on a background thread.

At an evaluation step the generator's samples and every metric that looks at the critic are
computed at once (they need the critic as it is now, and they are cheap).  Metrics that only
read the point clouds (the registry's ``background`` ones: the exact OT solves, about 0.4 s per
2000 x 2000 problem) run on a worker thread, on the second core, while training continues: POT's
solver releases the GIL.  Each evaluation becomes one record ``{"step": s, "eval": true, ...}``
handed to ``write`` when complete, in step order.
"""

from __future__ import annotations

import copy
import time
from typing import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import torch

from ..config import critic_optimizer_kind

from ..errors import ConfigError
from ..metrics.suite import compute
from ..metrics.ot import wasserstein1
from ..metrics.registry import EvalContext, merge
from ..metrics.specs import METRICS, DataTraits, check_names, metric_names
from ..metrics.images import load_classifier
from ..metrics.registry import identity
from ..methods.registry import get_method_class
from .optim import make_optimizer
from . import latent
from .sampler import BatchSampler
from ..nets.encoder import has_encoder
from ..nets.latent import sample_latent
from ..runtime.progress import bar

# An offset that gives the diagnostics (segments, interpolates) a random stream of their own.
DIAG_STREAM = 2_000_003


def traits(run) -> DataTraits:
    return data_traits(run.dataset, run.method, has_encoder(run.sampling_generator))


def data_traits(dataset, method, encoder: bool) -> DataTraits:
    """What the metrics may use of ``dataset`` trained by ``method`` (an instance or its
    class); ``encoder``: the generator has one."""
    return DataTraits(image=dataset.is_image, modes=dataset.modes is not None,
                      labels=dataset.train_labels is not None,
                      critic_from_data=method.critic_from_data, joint=method.bidirectional,
                      encoder=encoder, stacked=bool(dataset.info.get("stacked")),
                      latent_critic=method.latent_critic)


def check_metrics(cfg, dataset) -> None:
    """What ``training_metrics`` refuses when the run is built, said before it is (a sweep's
    members, planned before any trains): ``cfg.metrics`` checked against its data and its
    method (a method that trains an encoder has one, in otgan's own networks)."""
    if cfg.metrics != "auto":
        method = get_method_class(cfg.method)
        check_applicable([n.strip() for n in cfg.metrics.split(",") if n.strip()],
                         data_traits(dataset, method, method.bidirectional))


def training_metrics(run) -> tuple[str, ...]:
    """The metrics evaluated during training (``metrics = auto``: the registry's defaults)."""
    kind = traits(run)
    if run.config.metrics == "auto":
        return metric_names(kind, default_only=True)
    names = tuple(n.strip() for n in run.config.metrics.split(",") if n.strip())
    check_applicable(names, kind)
    return names


def check_applicable(names, kind) -> None:
    """ConfigError naming the first of ``names`` that does not apply to data with ``kind``."""
    for name in check_names(names):
        if not METRICS[name].applies(kind):
            raise ConfigError(f"metric {name!r} does not apply to this run's data (it applies "
                              f"to: {', '.join(metric_names(kind))})")


def classifier(run, progress: bool = False):
    """The dataset's classifier for image metrics (trained once and cached), or None;
    ``progress``: a bar while it is trained."""
    if run._classifier is None:
        run._classifier = load_classifier(run.dataset, progress=progress)
    return run._classifier


def estimating_critic(run, steps: int, seed: int):
    """The training critic refined ``steps`` more updates against the frozen generator.

    Training updates the critic ``n_critic`` times per generator update, so it always lags
    the generator it is asked about; an estimate of W between the data and the generator as it
    is now needs a critic trained for this generator.  This one is a copy (with a copy of its
    optimizer's state), trained on batches of training data and of the sampling generator
    (the EMA where there is one) drawn from a stream of its own (the penalty's draws too:
    torch's global stream is training's): training is not touched.
    A critic built from the data (the semi-discrete dual) is refined by its method
    (``refined_critic``) on draws of the generator.  None when there is nothing to refine
    (``steps`` 0, a run not training)."""
    if steps <= 0 or run.state is None:
        return None
    cfg, method, G = run.config, run.method, run.sampling_generator
    if method.critic_from_data:
        gen = torch.Generator(device=run.device).manual_seed(seed)

        @torch.no_grad()
        def draw(n):
            z = sample_latent(cfg.latent, (n, run.latent_dim), generator=gen, device=run.device)
            return G(z)  # training coordinates, the targets' own

        g_mode = G.training
        G.eval()
        try:
            return method.refined_critic(run.critic, draw, steps)
        finally:
            G.train(g_mode)
    critic = copy.deepcopy(run.critic)
    opt = make_optimizer(critic.parameters(), cfg, cfg.lr_d, critic_optimizer_kind(cfg))
    opt.load_state_dict(copy.deepcopy(run.state.opt_d.state_dict()))
    gen = torch.Generator(device=run.device).manual_seed(seed)
    real = BatchSampler(run.state.sampler.data, cfg.batch_size, generator=gen)
    g_mode, c_mode = G.training, critic.training
    G.eval()
    critic.train()
    try:
        for _ in range(steps):
            with torch.no_grad():
                z = sample_latent(cfg.latent, (cfg.batch_size, run.latent_dim),
                                  generator=gen, device=run.device)
                x, fake = method.critic_inputs(G, real.next(), z)
            # the penalty's draws from this stream too: never torch's global one, which
            # training draws from (and a checkpoint records) while this runs on another thread
            loss, _ = method.critic_loss(critic, x, fake, method.critic_noise(x, gen))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            method.after_critic_step(critic)
    finally:
        G.train(g_mode)
        critic.train(c_mode)
    return critic


def eval_context(run, n: int | None = None, seed: int | None = None,
                 progress: bool = False) -> EvalContext:
    """Generated and held-out points for metrics: the run's fixed latent codes unless ``seed``;
    ``progress``: a bar while the image classifier is trained (on first use)."""
    ds = run.dataset
    real = ds.test
    n = min(n or run.config.eval_n, real.shape[0])
    seed = run.eval_seed if seed is None else seed
    fake = run.generate(run.latents(n, seed)).cpu()
    image = len(run.data_shape) == 3
    encode = run.normalizer.encode if run.normalizer.active else identity
    return EvalContext(
        fake=fake, real=real[:n], critic=run.critic, encode=encode,
        w_critic=lambda: estimating_critic(run, run.config.eval_critic_steps, seed + 2),
        estimates=run.method.estimates,
        estimate=run.method.estimate,
        modes=ds.modes,
        mode_sigma=ds.mode_sigma, sample=lambda k: run.generate(run.latents(k, seed + 1)).cpu(),
        generator=torch.Generator(device=run.device).manual_seed(seed),
        classifier=(lambda: classifier(run, progress)) if image else None,
        to_latent=(lambda x: latent.codes(run, x, "encoder"))
        if has_encoder(run.sampling_generator) else None,
        from_latent=lambda z: run.generate(z).cpu(),
        prior=lambda k: run.latents(k, seed + 3),
        critic_reads_latent=run.method.latent_critic,
        real_labels=None if ds.test_labels is None else ds.test_labels[:n],
        train_labelled=lambda: (ds.train, ds.train_labels))


def noise_floor(dataset, n: int) -> float | None:
    """Exact W1 between held-out points 0..n-1 and n..2n-1 (None if fewer than 2n)."""
    test = dataset.test
    if test.shape[0] < 2 * n:
        return None
    return wasserstein1(test[:n], test[n:2 * n])


def evaluate(run, names=None, n: int | None = None, progress: bool = False) -> dict:
    """Metrics of the run's generator and critic now (every metric that applies by default),
    with the noise floor when there is enough held-out data; ``progress``: a bar naming the
    metric being computed."""
    kind = traits(run)
    if names is None:
        names = metric_names(kind)
    check_applicable(names, kind)
    ctx = eval_context(run, n, progress=progress)
    names = check_names(names)
    with bar(total=len(names), enabled=progress, desc="evaluating") as b:
        def starting(i, name):
            b.n = i
            b.set_postfix_str(name)

        out = compute(names, ctx, starting)
    floor = noise_floor(run.dataset, ctx.fake.shape[0])
    if floor is not None:
        out["w1_floor"] = floor
    return out


class Evaluator:
    def __init__(self, make_context, names, write, background: bool = True, snapshot=None):
        """``make_context()`` -> EvalContext of the current generator and critic;
        ``write(record)`` receives finished evaluation records; ``snapshot(step, ctx)`` (optional)
        saves what animations need."""
        self.make_context, self.names, self.write = make_context, tuple(names), write
        self.snapshot = snapshot
        self.sync_names = tuple(n for n in self.names if not METRICS[n].background)
        self.bg_names = tuple(n for n in self.names if METRICS[n].background)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="otgan-eval") if background \
            else None
        # the metrics the loop waits for are computed on a thread of their own: while the main
        # thread waits there, a signal reaches it at once (during a long C call such as exact
        # OT or a convolution it would wait for the call to return)
        self.fg = ThreadPoolExecutor(1, thread_name_prefix="otgan-eval-wait")
        #: (record, its background future), or (action, None) queued with ``then``
        self.pending: list[tuple[dict | Callable, Future | None]] = []
        self.latest: dict = {}
        self.seconds_sync = 0.0  # time the training loop waited for evaluation

    def __call__(self, state) -> dict:
        t0 = time.perf_counter()
        ctx = self.make_context()
        record = {"step": state.step, "eval": True, "n_eval": int(ctx.fake.shape[0])}
        if self.snapshot is not None:
            self.snapshot(state.step, ctx)
        if self.pool is None:
            merge(record, self._wait(self.bg_names + self.sync_names, ctx))
            self._finish(record)
        else:
            merge(record, self._wait(self.sync_names, ctx))
            self.pending.append((record, self.pool.submit(compute, self.bg_names, ctx)))
            self.poll()
        self.seconds_sync += time.perf_counter() - t0
        return self.latest

    def _wait(self, names: tuple, ctx) -> dict:
        return self.fg.submit(compute, names, ctx).result()

    def _finish(self, record: dict) -> None:
        self.latest = record
        self.write(record)

    def then(self, action) -> None:
        """Run ``action()`` once every record pending now is written (at once if none is)."""
        self.pending.append((action, None))
        self.poll()

    def poll(self, wait: bool = False) -> None:
        """Write every finished record (all of them with ``wait``), oldest first, and run the
        actions queued behind them."""
        while self.pending and (wait or self.pending[0][1] is None
                                or self.pending[0][1].done()):
            record, fut = self.pending.pop(0)
            if fut is None:  # an action queued with ``then``
                record()
                continue
            merge(record, fut.result())
            self._finish(record)

    def cut(self) -> list[int]:
        """Stop now: write every pending record (with the background metrics that finished;
        the others are cancelled and their records written without them), run the queued
        actions, and leave the background thread without waiting for it.  Returns the steps
        whose background metrics are missing."""
        missing = []
        for item, fut in self.pending:
            if fut is None:
                item()
                continue
            if fut.done():
                merge(item, fut.result())
            else:
                fut.cancel()
                missing.append(item["step"])
            self._finish(item)
        self.pending = []
        for pool in (self.pool, self.fg):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self.fg = None
        return missing

    def close(self) -> None:
        try:
            self.poll(wait=True)
        finally:
            for pool in (self.fg, self.pool):
                if pool is not None:
                    pool.shutdown(wait=True)
