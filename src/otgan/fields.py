"""A configuration field described without PyTorch: its default, help, kind, check and choices.

The general fields (config.py) and the fields a method, a data set or a metric brings (their
``specs.py``) are all described by ``Field``; config.py assembles them into ``TrainConfig`` and
derives the CLI options, the config-file parser and the validation from them.  The checks here
return None for a good value, or the end of a sentence (``"must be > 0"``) that the caller
prefixes with the field's name.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable

#: seeds are 0 .. 2^31 - 1 everywhere (numpy's, torch's and every command's)
MAX_SEED = 2**31 - 1
#: sizes beyond any network or batch that fits in memory (16384^2 weights are 1 GiB in fp32):
#: refused at once instead of hanging in an allocation
MAX_WIDTH = 16384
#: seeds per configuration of a sweep or a benchmark (each run is planned and recorded at once:
#: 10^12 would never finish planning)
MAX_SEEDS = 10_000
#: discriminator optimal transport (``training/refine.py``): Adam updates per sample, their
#: learning rate, and k's factor on the critic's slope (beyond these D(x)/k over- or underflows)
MAX_REFINE_STEPS = 10**6
MAX_REFINE_LR = 10.0
MIN_K_SCALE, MAX_K_SCALE = 1e-6, 1e6
#: the kinds a field's value may have, as a user reads them in an error
KIND_WORDS = {"bool": "true or false", "int": "an integer", "float": "a number",
              "ints": "comma-separated integers such as 128,64", "str": "a string"}


@dataclass(frozen=True)
class Field:
    """One configuration field: ``kind`` is one of KIND_WORDS; ``check(value)`` returns None or
    what is wrong; ``group`` orders the CLI's help (data, model, method, optim, run)."""

    name: str
    default: Any
    help: str
    kind: str
    check: Callable[[Any], str | None] | None = None
    choices: tuple | None = None
    group: str = "run"

    def __post_init__(self):
        if self.kind not in KIND_WORDS:
            raise ValueError(f"field {self.name}: unknown kind {self.kind!r}")


# ----------------------------------------------------------------------------- checks
def positive(v):
    return None if v > 0 else "must be > 0"


def nonneg(v):
    return None if v >= 0 else "must be >= 0"


def at_least(lo):
    return lambda v: None if v >= lo else f"must be >= {lo}"


def between(lo, hi):
    return lambda v: None if lo <= v <= hi else f"must be between {lo} and {hi}"


def unit_interval_open_right(v):
    return None if 0 <= v < 1 else "must be in [0, 1)"


def open_unit_interval(v):
    return None if 0 < v < 1 else "must be in (0, 1)"


def widths(v):
    """Hidden-layer widths of a network."""
    ok = all(1 <= w <= MAX_WIDTH for w in v) and len(v) <= 64
    return None if ok else f"widths must be between 1 and {MAX_WIDTH}, at most 64 layers"


def one_of(names) -> Callable[[str], str | None]:
    """A check that the value is one of ``names``, naming the closest one when misspelt."""
    def check(v):
        return None if v in names else f"must be one of {', '.join(names)}{did_you_mean(v, names)}"
    return check


def closest(name: str, names, cutoff: float = 0.6) -> str | None:
    """The entry of ``names`` a misspelt ``name`` most likely meant, or None."""
    close = difflib.get_close_matches(str(name), list(names), n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(name: str, names) -> str:
    """`` (did you mean 'x'?)`` where one of ``names`` is close to ``name``, else ``""``."""
    c = closest(name, names)
    return f" (did you mean {c!r}?)" if c else ""
