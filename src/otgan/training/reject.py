"""Discriminator rejection sampling (Azadi et al. 2019, "Discriminator rejection sampling"):
generated samples kept or dropped by the trained discriminator at sampling time.

A discriminator trained with binary cross-entropy has, at its optimum, the logit
D~(x) = log p_data(x) / p_G(x).  Rejection sampling with the proposal p_G and the bound
M = max_x p_data / p_G keeps a generated x with probability

    p_data(x) / (M p_G(x)) = exp(D~(x) - D~_M),     D~_M = log M,

and the kept samples follow p_data exactly where the logit is exact.  D~_M is estimated as the
largest logit over ``burn_in`` generated samples and raised whenever a larger one is drawn (the
paper's estimate).  Only methods whose discriminator logit estimates this log ratio can reject
(``MethodSpec.density_ratio``: the binary cross-entropy GANs); a Wasserstein critic's value is
not a density ratio.  The paper's practical variant, which shifts the acceptance by a
percentile gamma to keep more samples, is not implemented: its samples do not follow p_data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from ..errors import ConfigError


@dataclass(frozen=True)
class Rejection:
    """How ``Run.sample(..., reject=...)`` keeps its samples."""

    #: generated samples whose largest logit is the first estimate of log M
    burn_in: int = 10000
    #: draws allowed per sample asked for before giving up (an acceptance below 1 / this)
    max_draws: int = 1000
    #: samples drawn and read per round
    chunk: int = 4096

    def __post_init__(self):
        if self.burn_in < 1 or self.max_draws < 1 or self.chunk < 1:
            raise ConfigError(f"rejection: burn_in, max_draws and chunk must be >= 1 (got "
                              f"{self.burn_in}, {self.max_draws}, {self.chunk})")


def as_rejection(value) -> Rejection | None:
    """None/False, True (the defaults), a ``Rejection`` or a mapping of its fields."""
    if value is None or value is False:
        return None
    if value is True:
        return Rejection()
    if isinstance(value, Rejection):
        return value
    if isinstance(value, dict):
        unknown = set(value) - {"burn_in", "max_draws", "chunk"}
        if unknown:
            raise ConfigError(f"rejection: unknown keys {sorted(unknown)} (burn_in, max_draws, "
                              f"chunk)")
        return Rejection(**value)
    raise ConfigError(f"rejection: expected True or a mapping, got {value!r}")


def acceptance(logits: torch.Tensor, log_m: float) -> torch.Tensor:
    """exp(D~(x) - log M), at most 1: the probability of keeping each sample."""
    return torch.exp((logits.double() - log_m).clamp(max=0.0))


@torch.no_grad()
def rejection_sample(draw: Callable[[int], torch.Tensor], logit: Callable[[torch.Tensor],
                     torch.Tensor], n: int, how: Rejection, gen: torch.Generator
                     ) -> tuple[torch.Tensor, dict]:
    """``n`` samples kept from ``draw(k)`` (k new proposals each call) with probability
    exp(``logit``(x) - log M); returns them and {"acceptance", "log_m", "draws"}.  The uniform
    draws come from ``gen``.  A ConfigError when fewer than ``n`` are kept within
    ``how.max_draws * n`` proposals."""
    burn = draw(how.burn_in)
    log_m = float(logit(burn).max())
    kept, count, draws = [], 0, 0
    pool = burn  # the burn-in samples are proposals too: they were drawn from p_G
    while count < n:
        if pool is None:
            if draws >= how.max_draws * n:
                raise ConfigError(f"rejection sampling kept {count} of the {n} samples asked "
                                  f"for in {draws} draws (acceptance {count / draws:.2e}); "
                                  f"the discriminator rejects almost everything this "
                                  f"generator draws")
            pool = draw(how.chunk)
        scores = logit(pool)
        log_m = max(log_m, float(scores.max()))
        u = torch.rand(pool.shape[0], generator=gen, dtype=torch.float64)
        keep = u < acceptance(scores, log_m).cpu()
        kept.append(pool[keep.to(pool.device)])
        count += int(keep.sum())
        draws += pool.shape[0]
        pool = None
    out = torch.cat(kept)[:n]
    return out, {"acceptance": count / draws, "log_m": log_m, "draws": draws}
