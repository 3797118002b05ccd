"""What every command group shares: context settings, parameter types that check their value
(one validation style: a bad value is refused by its type, in one line naming the option), the
config-field options of ``train``, the progress option and output-file writing.

Imports nothing heavy: ``otgan --help`` and every usage error answer without PyTorch."""

from __future__ import annotations

import math
from pathlib import Path

import click

from ..config import FIELDS, MAX_MAGNITUDE, MAX_SEED, MAX_STEPS, TrainConfig
from ..errors import OtganError
from ..fields import (MAX_K_SCALE, MAX_REFINE_LR, MAX_REFINE_STEPS, MAX_SEEDS,
                      MIN_K_SCALE)

CONTEXT = dict(help_option_names=["-h", "--help"], max_content_width=100)


class CommandFailed(OtganError):
    """Bad input found by a command: one line, exit 2."""


def _option_name(param) -> str:
    if param is None:
        return "value"
    opts = getattr(param, "opts", None) or [param.name]
    return max(opts, key=len) if opts[0].startswith("-") else param.name.upper()


#: the largest count an option takes unless it names a bound of its own (as many generator
#: updates as a run may take): 10^30 is refused in one line, never tried
MAX_COUNT = MAX_STEPS
#: the largest magnitude a real option takes unless it names a bound of its own
MAX_REAL = MAX_MAGNITUDE


class Count(click.ParamType):
    """An integer between ``lo`` and ``hi`` (inclusive); ``why`` explains the bounds."""
    name = "integer"

    def __init__(self, lo: int = 1, hi: int = MAX_COUNT, why: str = ""):
        self.lo, self.hi, self.why = lo, hi, why

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool):
            v = value
        else:
            try:
                v = int(str(value).strip(), 10)
            except ValueError:
                raise CommandFailed(f"{_option_name(param)}: expected an integer, got "
                                    f"{str(value)[:40]!r}") from None
        if not self.lo <= v <= self.hi:
            bound = f">= {self.lo}" if v < self.lo else f"between {self.lo} and {self.hi}"
            why = f" ({self.why})" if self.why else ""
            shown = str(v) if len(str(v)) <= 40 else f"an integer of {len(str(v))} digits"
            raise CommandFailed(f"{_option_name(param)} must be {bound}{why}, got {shown}")
        return v


class Real(click.ParamType):
    """A finite number from ``lo`` to ``hi`` (``lo`` itself excluded when ``open``); NaN and
    the infinities are refused whatever the bounds."""
    name = "float"

    def __init__(self, lo: float = 0.0, open: bool = True, hi: float = MAX_REAL,
                 why: str = ""):
        self.lo, self.open, self.hi, self.why = lo, open, hi, why

    def convert(self, value, param, ctx):
        try:
            v = float(value)
        except (TypeError, ValueError, OverflowError):
            raise CommandFailed(f"{_option_name(param)}: expected a number, got "
                                f"{str(value)[:40]!r}") from None
        if not math.isfinite(v) or v < self.lo or (self.open and v == self.lo) or v > self.hi:
            bound = f"{'>' if self.open else '>='} {self.lo:g}" + (
                f" and <= {self.hi:g}" if self.hi != MAX_REAL or self.hi < v < math.inf else "")
            why = f" ({self.why})" if self.why else ""
            raise CommandFailed(f"{_option_name(param)} must be a finite number {bound}{why}, "
                                f"got {str(value)[:40]}")
        return v


SEED = Count(0, MAX_SEED)
POSITIVE = Real(0.0, open=True)
NONNEGATIVE = Real(0.0, open=False)
#: seeds per configuration of a sweep or a benchmark: its plan (every run resolved and
#: recorded) is written at once
SEEDS = Count(1, MAX_SEEDS)
WORKERS = Count(1, 1024)
#: discriminator optimal transport's options (``training/refine.py`` checks the same bounds)
REFINE_STEPS = Count(0, MAX_REFINE_STEPS)
REFINE_LR = Real(0.0, open=True, hi=MAX_REFINE_LR)
REFINE_SCALE = Real(MIN_K_SCALE, open=False, hi=MAX_K_SCALE,
                    why="beyond, D(x)/k over- or underflows")


class RunFolder(click.ParamType):
    """A run folder's path, checked to be one (before PyTorch is loaded)."""
    name = "run_dir"

    def convert(self, value, param, ctx):
        from ..rundir import RunDir

        try:
            RunDir.open(value)
        except OtganError as e:
            self.fail(str(e), param, ctx)
        return value


RUN = RunFolder()


class OutputFile(click.ParamType):
    """A file to write: its suffix among ``suffixes`` and its folder existing."""
    name = "file"

    def __init__(self, *suffixes: str):
        self.suffixes = suffixes

    def convert(self, value, param, ctx):
        target = Path(value)
        opt = _option_name(param)
        if self.suffixes and target.suffix.lower() not in self.suffixes:
            raise CommandFailed(f"{opt} {value}: the file name must end in "
                                f"{' or '.join(self.suffixes)}")
        if not target.parent.exists():
            raise CommandFailed(f"{opt} {value}: folder {target.parent} does not exist")
        return target


progress_option = click.option(
    "--progress/--no-progress", default=None,
    help="Show a progress bar [default: when stderr is a terminal].")

device_option = click.option("--device", default="cpu", show_default=True,
                             help="cpu, cuda, cuda:N or auto.")


def field_help(name: str) -> str:
    """A config field's help with the value a run uses: the field's default unless the default
    method's default preset sets it (from the methods' specs)."""
    from ..methods.specs import METHODS

    defaults = TrainConfig()
    preset = METHODS[defaults.method].presets["default"]
    by_preset = {k for spec in METHODS.values() for p in spec.presets.values() for k in p}
    f = FIELDS[name]
    default = preset.get(name, getattr(defaults, name))
    shown = ",".join(map(str, default)) if isinstance(default, (tuple, list)) else default
    where = (f" with {defaults.method}'s default preset; other methods' presets: "
             f"otgan presets METHOD" if name in by_preset else "")
    choices = f" ({'|'.join(f.choices)})" if f.choices else ""
    return f"{f.help}{choices} [default: {shown}{where}]"


class FieldOption(click.Option):
    """An option for one config field, its help text computed on first display."""

    @property
    def help(self):
        return field_help(self.name)

    @help.setter
    def help(self, _value):
        pass


def config_options(fn):
    """One option per config field, derived from the field's metadata (checked by config)."""
    for name in reversed(list(FIELDS)):
        kind = FIELDS[name].kind
        flag = "--" + name.replace("_", "-")
        if kind == "bool":
            opt = click.option(f"{flag}/--no-{flag[2:]}", name, default=None, cls=FieldOption)
        else:
            opt = click.option(flag, name, default=None, metavar=kind.upper(),
                               cls=FieldOption)
        fn = opt(fn)
    return fn


def write_output(target: Path, data: bytes, option: str = "--out") -> None:
    """Write ``data`` to ``target`` atomically; a refusal of the disk is one line naming it."""
    from ..fileio import atomic_write_bytes

    try:
        atomic_write_bytes(target, data)
    except OSError as e:
        raise CommandFailed(f"{option} {target}: cannot write ({e.strerror or e})") from None


def npy_bytes(array) -> bytes:
    """``array`` as the bytes of an .npy file."""
    import io

    import numpy as np

    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def num(v) -> str:
    """A value of a printed table."""
    if isinstance(v, float):
        return f"{v:.5g}"
    return "n/a" if v is None else str(v)
