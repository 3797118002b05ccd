"""Arithmetic of the networks' forward passes: fp32, or bf16 autocast.

``bf16`` runs the generator's and the critic's forward passes (and so their backward passes)
under ``torch.autocast(dtype=torch.bfloat16)``; parameters, optimizer states and losses stay
fp32.  Two computations never run in bf16, because their precision is the point of the method:

  * the gradient penalty's pass over the interpolates, whose input-gradient norm is compared
    with 1 (``full_precision`` in ``methods.penalty``);
  * the semi-discrete critic's c-transform, a minimum over distances to every training point.

Whether bf16 changes a run's result is measured, per model, in ``bench/bench_gpu.py`` and
reported in docs/distributed.md; on the CPU bf16 autocast is correct but rarely faster.
"""

from __future__ import annotations

import contextlib

import torch

PRECISIONS = ("fp32", "bf16")


def autocast(precision: str, device: torch.device):
    """Context manager for the networks' forward passes."""
    if precision == "fp32":
        return contextlib.nullcontext()
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")


def full_precision(x: torch.Tensor):
    """Context manager that turns autocast off around a computation on ``x``'s device."""
    return torch.autocast(x.device.type, enabled=False)


def upcast(x: torch.Tensor) -> torch.Tensor:
    """``x`` in fp32 if autocast made it bf16/fp16; fp32 and fp64 tensors are returned as is."""
    return x.float() if x.dtype in (torch.bfloat16, torch.float16) else x
