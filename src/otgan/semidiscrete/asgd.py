"""Averaged stochastic gradient for the semi-discrete dual (Genevay, Cuturi, Peyre, Bach 2016).

    psi~_k = psi~_{k-1} + gamma / sqrt(k) * P g_k      (g_k: stochastic gradient of H, ascent)
    psi_k  = (psi~_1 + ... + psi~_k) / k               (the averaged iterate, the one reported)

with E[H(psi*) - H(psi_k)] = O(log k / sqrt(k)).  ``P`` is an optional fixed preconditioner per
parameter: a tensor of the parameter's shape (a diagonal) or a linear map g -> P g (the
semi-discrete dual's multiscale step, ``semidiscrete/step.py``); without it P = I.
``torch.optim.ASGD`` is not this schedule (its defaults t0 = 1e6 never start averaging), hence
this small optimizer.  It *descends* the loss
it is given, so the loss is -H; the average of each parameter is written into the tensor given
in ``averages`` (the critic's ``psi_avg`` buffer), so it lives in the critic's state_dict.
"""

from __future__ import annotations

import math

import torch


class AveragedSGD(torch.optim.Optimizer):
    def __init__(self, params, averages, gamma: float, precondition=None):
        if gamma <= 0:
            raise ValueError(f"gamma must be > 0, got {gamma}")
        params = list(params)
        averages = list(averages)
        if len(params) != len(averages):
            raise ValueError("one average tensor per parameter")
        precondition = [None] * len(params) if precondition is None else list(precondition)
        if len(precondition) != len(params) or any(
                q is not None and not callable(q) and q.shape != p.shape
                for p, q in zip(params, precondition)):
            raise ValueError("one preconditioner of the parameter's shape per parameter")
        super().__init__(params, dict(gamma=gamma))
        self._averages = averages
        self._precondition = precondition
        self.restart()

    @torch.no_grad()
    def restart(self) -> None:
        """Start a new average at the current iterate (k = 0)."""
        for p, avg in zip(self.param_groups[0]["params"], self._averages):
            avg.copy_(p)
            self.state[p]["k"] = 0

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p, avg, q in zip(group["params"], self._averages, self._precondition):
                if p.grad is None:
                    continue
                st = self.state[p]
                st["k"] = k = st.get("k", 0) + 1
                g = p.grad if q is None else q(p.grad) if callable(q) else p.grad * q
                p.add_(g, alpha=-group["gamma"] / math.sqrt(k))
                avg.add_(p - avg, alpha=1.0 / k)
        return None

    @property
    def k(self) -> int:
        return int(self.state[self.param_groups[0]["params"][0]].get("k", 0))
