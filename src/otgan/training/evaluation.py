"""Evaluation during training: metrics of the registry, optionally on a background thread.

At an evaluation step the generator's samples and every metric that looks at the critic are
computed at once (they need the critic as it is now, and they are cheap).  The exact OT solves
(the expensive part: about 0.4 s per 2000 x 2000 problem) only need the point clouds, and POT's
solver releases the GIL, so with ``background`` they run on a worker thread, on the second core,
while training continues.  Each evaluation becomes one record ``{"step": s, "eval": true, ...}``
handed to ``write`` when complete, in step order.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

from ..metrics import OT_METRICS, compute, exact_counterpart


class Evaluator:
    def __init__(self, make_context, names, write, background: bool = True, snapshot=None,
                 estimates: str = "W"):
        """``make_context()`` -> EvalContext of the current generator and critic;
        ``write(record)`` receives finished evaluation records; ``snapshot(step, ctx)`` (optional)
        saves what animations need."""
        self.make_context, self.names, self.write = make_context, tuple(names), write
        self.snapshot, self.estimates = snapshot, estimates
        self.sync_names = tuple(n for n in self.names if n not in OT_METRICS)
        self.ot_names = tuple(n for n in self.names if n in OT_METRICS)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="otgan-eval") if background \
            else None
        self.pending: list[tuple[dict, Future]] = []
        self.latest: dict = {}
        self.seconds_sync = 0.0  # time the training loop waited for evaluation

    def __call__(self, state) -> dict:
        t0 = time.perf_counter()
        ctx = self.make_context()
        record = {"step": state.step, "eval": True, "n_eval": int(ctx.fake.shape[0])}
        if self.snapshot is not None:
            self.snapshot(state.step, ctx)
        if self.pool is None:
            record.update(compute(self.ot_names, ctx))
            record.update(compute(self.sync_names, ctx))
            self._finish(record)
        else:
            record.update(compute(self.sync_names, ctx))
            self.pending.append((record, self.pool.submit(compute, self.ot_names, ctx)))
            self.poll()
        self.seconds_sync += time.perf_counter() - t0
        return self.latest

    def _finish(self, record: dict) -> None:
        ref = exact_counterpart(record, self.estimates)
        if "critic_estimate" in record and ref:
            record["critic_ratio"] = record["critic_estimate"] / ref
        self.latest = record
        self.write(record)

    def poll(self, wait: bool = False) -> None:
        """Write every finished record (all of them with ``wait``), oldest first."""
        while self.pending and (wait or self.pending[0][1].done()):
            record, fut = self.pending.pop(0)
            record.update(fut.result())
            self._finish(record)

    def close(self) -> None:
        try:
            self.poll(wait=True)
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
