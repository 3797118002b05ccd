"""Run configuration: one flat dataclass assembled from the fields' specs, named presets, and
validation with clear errors.

A run's configuration is resolved in four layers, each overriding the one before:

1. the field defaults (general, method-independent values);
2. the method's preset (``default``: otgan's measured defaults; ``paper``: the paper's values);
3. a config file (``--config run.toml`` or ``.json``), flat ``key = value`` pairs;
4. command-line options or keyword arguments.

Every field is a ``fields.Field`` (help, kind, check, choices): the general ones below, and the
ones each method brings in its spec (``methods/specs.py``).  ``TrainConfig`` is assembled from
both, and the CLI options, the config-file parser and the validation are derived from them, so
there is one source of truth.  This module reads only specs (methods', data sets', metrics',
networks'), never PyTorch: checking a config answers at once.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path
from typing import Any, Mapping

from .data.specs import IMAGE_SETS, POINT_SETS
from .errors import ConfigError
from .fields import (KIND_WORDS, MAX_SEED, MAX_WIDTH, Field, at_least, between, closest, nonneg, one_of,
                     open_unit_interval, positive, unit_interval_open_right, widths)
from .methods.specs import METHODS, method_fields, method_spec
from .metrics.specs import unknown_metric
from .nets.specs import ACTIVATIONS, LATENTS

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["MAX_SEED", "FIELDS", "TrainConfig", "resolve", "validate", "from_dict",
           "read_config_file", "check_field", "coerce", "critic_optimizer_kind",
           "steps_for_epochs", "changed_on_resume", "RESUMABLE"]


# ----------------------------------------------------------------------------- general fields
def _device(v):
    ok = re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", v)
    return None if ok else "must be auto, cpu, cuda, cuda:N or mps"


def _metric_names(v):
    if v == "auto":
        return None
    bad = [unknown_metric(n.strip()) for n in v.split(",") if unknown_metric(n.strip())]
    return f"has {bad[0]}" if bad else None


_DATA = (
    Field("data", "ring", "built-in dataset name, a .npy/.npz/.csv file (N, d) or (N, [C,] H, W), "
          "or a folder of images", "str", group="data"),
    Field("n_train", 10000, "points in the training split (built-in toy data)", "int",
          between(1, 10**8), group="data"),
    # exact W1 on fewer than 100 held-out points measures the sample, not the generator
    Field("n_test", 10000, "points in the held-out split (built-in toy data)", "int",
          between(100, 10**8), group="data"),
    Field("test_fraction", 0.2, "held-out fraction of a user data file", "float",
          open_unit_interval, group="data"),
    Field("data_seed", 0, "seed of the data draw and of the train/test split", "int",
          between(0, MAX_SEED), group="data"),
    Field("data_weights", "", "a .npy/.csv file of one non-negative weight per data point (the "
          "data is then the weighted discrete measure: every point trains, held-out points are "
          "draws from it)", "str", group="data"),
    Field("normalize", "none", "standardize the data per coordinate before training", "str",
          choices=("none", "standard"), group="data"),
)
_MODEL = (
    Field("latent_dim", 0, "dimension of the generator's input (0: 2 for points, 128 for images)",
          "int", between(0, MAX_WIDTH), group="model"),
    Field("latent", "gaussian", "the generator's input distribution: gaussian N(0, I) or uniform "
          "U[0, 1]^k", "str", choices=LATENTS, group="model"),
    Field("arch", "auto", "network pair: mlp, dcgan (images), auto (dcgan for images)", "str",
          choices=("auto", "mlp", "dcgan"), group="model"),
    Field("g_norm", "none", "dcgan generator normalization", "str",
          choices=("none", "batchnorm"), group="model"),
    Field("d_norm", "none", "dcgan critic normalization (batchnorm: not with a gradient penalty, "
          "which it breaks)", "str", choices=("none", "layernorm", "batchnorm"), group="model"),
    Field("g_hidden", (128, 64), "generator hidden widths, e.g. 128,64", "ints", widths,
          group="model"),
    Field("d_hidden", (128, 64), "critic hidden widths, e.g. 128,64", "ints", widths,
          group="model"),
    Field("activation", "relu", "hidden activation of both networks", "str",
          choices=ACTIVATIONS, group="model"),
)
_METHOD = (
    Field("method", "wgan-gp", "training objective and Lipschitz mechanism (see `otgan presets`)",
          "str", one_of(tuple(METHODS)), group="method"),
    Field("preset", "default", "named hyperparameter set of the method: default, paper, images "
          "(the default on mnist, fashion-mnist and digits where a method has one), or the "
          "course's lab, notebook, blog (otgan presets METHOD)", "str", group="method"),
)
_OPTIM = (
    Field("optimizer", "adam", "optimizer of both networks (of the generator when --d-optimizer "
          "is set)", "str", choices=("adam", "rmsprop", "sgd"), group="optim"),
    Field("d_optimizer", "same", "critic optimizer: same (as --optimizer), adam, rmsprop or sgd",
          "str", choices=("same", "adam", "rmsprop", "sgd"), group="optim"),
    Field("lr_g", 1e-4, "generator learning rate", "float", positive, group="optim"),
    Field("lr_d", 1e-4, "critic learning rate", "float", positive, group="optim"),
    Field("beta1", 0.5, "Adam beta1", "float", unit_interval_open_right, group="optim"),
    Field("beta2", 0.9, "Adam beta2", "float", unit_interval_open_right, group="optim"),
    Field("batch_size", 64, "batch size of real and of generated points", "int",
          between(1, 2**24), group="optim"),
    Field("n_critic", 5, "critic updates per generator update", "int", between(1, 10**6),
          group="optim"),
    Field("critic_boost", False, "WGAN reference-code schedule: 100 critic updates for the first "
          "25 generator updates and every 500th", "bool", group="optim"),
    Field("ema", 0.0, "decay of the generator's weight EMA used for sampling (0: off)", "float",
          unit_interval_open_right, group="optim"),
)
#: more generator updates than any run can make (2^40 at a microsecond each is 12 days)
MAX_STEPS = 2**40
#: the largest magnitude of a real field (no rate, scale or time of a run comes near it)
MAX_MAGNITUDE = 1e15
_RUN = (
    Field("steps", 2000, "generator updates", "int", between(1, MAX_STEPS), group="run"),
    Field("epochs", 0.0, "training length in epochs instead of steps (0: use steps): one epoch is "
          "N_train / batch_size critic updates, as in the lab's DataLoader loop, so steps = "
          "ceil(epochs * N_train / (batch_size * n_critic))", "float", between(0, 10**9),
          group="run"),
    Field("time_limit", 0.0, "stop after this many seconds of training (summed over resumed "
          "segments; 0: no limit): the update that crosses it is the last, logged, evaluated and "
          "checkpointed as the end", "float", nonneg, group="run"),
    Field("seed", 0, "seed of initialization, batches and latent draws", "int",
          between(0, MAX_SEED), group="run"),
    Field("device", "auto", "auto, cpu, cuda, cuda:N or mps", "str", _device, group="run"),
    Field("precision", "fp32", "forward passes in fp32, or bf16 autocast (the gradient penalty's "
          "pass and the semi-discrete c-transform stay fp32)", "str", choices=("fp32", "bf16"),
          group="run"),
    Field("threads", 1, "torch CPU threads (0: torch's default); 1 is fastest for small MLPs",
          "int", between(0, 1024), group="run"),
    Field("log_every", 50, "generator updates between lines of metrics.jsonl", "int",
          at_least(1), group="run"),
    Field("eval_every", 500, "generator updates between exact-W1 evaluations (0: only at the end)",
          "int", nonneg, group="run"),
    Field("eval_n", 2000, "generated and held-out points used by each evaluation", "int",
          between(2, 10**8), group="run"),
    Field("eval_critic_steps", 100, "critic updates of a copy of the critic against the frozen "
          "generator before each evaluation reads its estimate of W (0: read the training "
          "critic)", "int", between(0, 10**6), group="run"),
    Field("checkpoint_every", 1000, "generator updates between checkpoints (0: only at the end)",
          "int", nonneg, group="run"),
    Field("metrics", "auto", "metrics evaluated during training, comma-separated, or auto "
          "(w1,w2,critic,lipschitz, and modes on mixtures)", "str", _metric_names, group="run"),
    Field("eval_background", True, "solve evaluation OT problems on a background thread (the "
          "second core) while training continues", "bool", group="run"),
    Field("tensorboard", True, "write TensorBoard event files to <run>/tensorboard", "bool",
          group="run"),
)

#: every field, by name: the general ones, with the methods' own after ``preset``
FIELDS: dict[str, Field] = {f.name: f for f in _DATA + _MODEL + _METHOD + method_fields()
                            + _OPTIM + _RUN}
_TYPES = {"bool": bool, "int": int, "float": float, "ints": tuple, "str": str}


def _dataclass_field(f: Field):
    if isinstance(f.default, tuple):
        return dataclasses.field(default_factory=lambda d=f.default: d)
    return dataclasses.field(default=f.default)


def _to_dict(self) -> dict:
    d = dataclasses.asdict(self)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


#: everything that determines a training run (not where it is written), one attribute per field
TrainConfig = dataclasses.make_dataclass(
    "TrainConfig", [(f.name, _TYPES[f.kind], _dataclass_field(f)) for f in FIELDS.values()],
    namespace={"to_dict": _to_dict, "__doc__": "Everything that determines a training run (not "
               "where it is written): one attribute per field of ``config.FIELDS``."})
TrainConfig.__module__ = __name__  # pickled by name: otgan.config.TrainConfig


# ----------------------------------------------------------------------------- coercion
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def coerce(name: str, value: Any) -> Any:
    """Convert ``value`` (from a CLI string, TOML or JSON) to the kind of field ``name``."""
    kind = FIELDS[name].kind
    bad = ConfigError(f"{name}: expected {KIND_WORDS[kind]}, got {value!r}")
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise bad
    if kind == "int":
        if isinstance(value, bool):
            raise bad
        if isinstance(value, int):
            out = value
        elif isinstance(value, float) and value.is_integer():
            out = int(value)
        elif isinstance(value, str):
            try:
                out = int(value.strip())
            except ValueError:
                raise bad from None
        else:
            raise bad
        return out
    if kind == "float":
        if isinstance(value, bool):
            raise bad
        try:
            out = float(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON int of 400 digits
            raise bad from None
        if not math.isfinite(out):
            raise ConfigError(f"{name}: must be a finite number, got {value!r}")
        return out
    if kind == "ints":
        if isinstance(value, str):
            parts = [p for p in value.replace(" ", "").split(",") if p != ""]
        elif isinstance(value, (list, tuple)):
            parts = list(value)
        else:
            raise bad
        try:
            out = tuple(coerce_int(p) for p in parts)
        except (TypeError, ValueError):
            raise bad from None
        if not out:
            raise ConfigError(f"{name}: needs at least one width, got {value!r}")
        return out
    if not isinstance(value, str):
        raise bad
    return value


def coerce_int(p) -> int:
    if isinstance(p, bool):
        raise ValueError(p)
    if isinstance(p, float) and not p.is_integer():
        raise ValueError(p)
    return int(p)


# Spellings users bring from other GAN code, mapped to otgan's names before fuzzy matching.
SYNONYMS = {"learning_rate": "lr", "lambda": "gp_lambda", "lam": "gp_lambda",
            "critic_iters": "n_critic", "d_iters": "n_critic", "batch": "batch_size",
            "iterations": "steps", "iters": "steps", "z_dim": "latent_dim", "nz": "latent_dim",
            "clip_value": "clip", "weight_clip": "clip"}


#: options of the `otgan train` command that are not config fields (where the run goes, how)
COMMAND_OPTIONS = ("out", "overwrite", "resume", "progress", "config")


def closest_key(key: str, valid) -> str | None:
    """The valid key a misspelled ``key`` most likely meant, or None."""
    k = key.lower().replace("-", "_")
    for wrong, right in SYNONYMS.items():
        k = k.replace(wrong, right)
    return closest(k, valid) or closest(k, valid, cutoff=0.4)


def unknown_key_error(key: str, valid=None, what="config key") -> ConfigError:
    valid = list(FIELDS) if valid is None else list(valid)
    close = [c] if (c := closest_key(key, valid)) else []
    hint = f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(valid)}"
    return ConfigError(f"unknown {what} {key!r}{hint}")


#: keys that stand for several fields: ``lr`` sets both learning rates (the lab's single lr)
ALIASES = {"lr": ("lr_g", "lr_d")}


def normalize_keys(values: Mapping[str, Any], source: str) -> dict:
    """Accept ``lr-g`` or ``lr_g``, and ``lr`` for both learning rates; reject unknown keys,
    naming the closest valid one."""
    out = {}
    for key, value in values.items():
        k = str(key).replace("-", "_")
        if k in ALIASES:
            both = [f for f in ALIASES[k] if f in {str(x).replace("-", "_") for x in values}]
            if both:
                raise ConfigError(f"{source}: {k} sets {' and '.join(ALIASES[k])}; give {k} or "
                                  f"{both[0]}, not both")
            out.update({f: coerce(f, value) for f in ALIASES[k]})
            continue
        if k in COMMAND_OPTIONS:
            raise ConfigError(f"{source}: {key!r} is not a training setting but an option of the "
                              f"command: pass --{k.replace('_', '-')} on the command line")
        if k not in FIELDS:
            err = unknown_key_error(str(key))
            raise ConfigError(f"{source}: {err}")
        out[k] = coerce(k, value)
    return out


def read_config_file(path: str | Path) -> dict:
    """Read a flat TOML or JSON config file into validated field values."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"config file not found: {p}")
    if not p.is_file():
        raise ConfigError(f"config file {p}: is not a regular file")
    text = p.read_text(encoding="utf-8-sig", errors="replace")  # -sig: a BOM is no error
    try:
        if p.suffix.lower() == ".json":
            raw = json.loads(text)
        elif p.suffix.lower() == ".toml":
            raw = tomllib.loads(text)
        else:
            raise ConfigError(f"config file {p}: use a .toml or .json file")
    except (ValueError, tomllib.TOMLDecodeError) as e:  # ValueError: JSON, and ints > 4300 digits
        raise ConfigError(f"config file {p}: not valid {p.suffix[1:].upper()}: {e}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {p}: expected a table of key = value pairs")
    nested = [k for k, v in raw.items() if isinstance(v, dict)]
    if nested:
        raise ConfigError(f"config file {p}: sections are not used; write keys at top level "
                          f"(found section {nested[0]!r})")
    return normalize_keys(raw, f"config file {p}")


# ----------------------------------------------------------------------------- validation
def validate(cfg: TrainConfig, explicit: set[str] | None = None) -> TrainConfig:
    """Check every field and the method's applicability; return ``cfg`` or raise ConfigError.

    ``explicit`` names the fields the user set (file or CLI); setting a field that the chosen
    method does not read is an error, since it would silently have no effect.
    """
    for name in FIELDS:
        setattr(cfg, name, check_field(name, getattr(cfg, name)))
    problem = method_spec(cfg.method).refusal(cfg, explicit or ())
    if problem:
        raise ConfigError(problem)
    sized = sorted({"n_train", "n_test"} & (explicit or set()), reverse=True)
    if sized and not cfg.data_weights:
        if cfg.data not in POINT_SETS:
            verb = "size" if len(sized) > 1 else "sizes"
            raise ConfigError(f"{' and '.join(sized)} {verb} the built-in toy sets; {cfg.data} "
                              f"keeps its own split (to train on fewer points, save them to a "
                              f".npy file and pass that as --data)")
    if {"steps", "epochs"} <= (explicit or set()) and cfg.epochs:
        raise ConfigError("steps and epochs both set the training length; give one")
    kinds = (cfg.optimizer, critic_optimizer_kind(cfg))
    if "adam" not in kinds and {"beta1", "beta2"} & (explicit or set()):
        used = kinds[0] if kinds[0] == kinds[1] else f"{kinds[0]} (generator), {kinds[1]} (critic)"
        raise ConfigError(f"beta1/beta2 apply to the adam optimizer, not {used}")
    return cfg


def check_field(name: str, value: Any) -> Any:
    """``value`` converted to field ``name``'s kind and checked alone; raises ConfigError."""
    value = coerce(name, value)
    f = FIELDS[name]
    if f.choices and value not in f.choices:
        raise ConfigError(f"{name}: must be one of {', '.join(f.choices)}, got {value!r}")
    if f.check is not None:
        msg = f.check(value)
        if msg:
            raise ConfigError(f"{name} {msg}, got {value!r}")
    # beyond any count a run holds (a step, a size, a seed) or any rate, scale or time it reads
    hi = {"int": MAX_STEPS, "float": MAX_MAGNITUDE}.get(f.kind)
    if hi is not None and abs(value) > hi:
        shown = f"{value:g}" if f.kind == "float" else (
            value if len(str(value)) <= 40 else f"an integer of {len(str(value))} digits")
        raise ConfigError(f"{name}: must be at most {hi:g} in magnitude, got {shown}")
    return value


def steps_for_epochs(cfg: TrainConfig, n_train: int) -> int:
    """Generator updates in ``cfg.epochs`` epochs of ``n_train`` points: an epoch is one pass of
    batches over the data, n_train / batch_size critic updates, n_critic per generator update."""
    steps = cfg.epochs * n_train / (cfg.batch_size * cfg.n_critic)
    if not steps <= MAX_STEPS:
        raise ConfigError(f"epochs {cfg.epochs:g} of {n_train} points is more than {MAX_STEPS} "
                          f"generator updates; give fewer epochs")
    return max(1, math.ceil(steps))


def critic_optimizer_kind(cfg: TrainConfig) -> str:
    """The critic's optimizer: ``cfg.d_optimizer``, or ``cfg.optimizer`` where it is "same"."""
    return cfg.optimizer if cfg.d_optimizer == "same" else cfg.d_optimizer


# ----------------------------------------------------------------------------- merging
def resolve(overrides: Mapping[str, Any] | None = None, config_file: str | Path | None = None,
            base: TrainConfig | Mapping[str, Any] | None = None) -> TrainConfig:
    """The one place where configurations are merged; returns a validated config.

    Without ``base``: field defaults < the method's preset < config file < ``overrides``.
    With ``base`` (a config, or a saved one as a mapping): ``base`` < config file < ``overrides``
    (no preset is applied again).  Only the file's and the overrides' fields count as set by
    the user (``validate``'s ``explicit``).
    """
    file_values = read_config_file(config_file) if config_file else {}
    user = {**file_values, **normalize_keys(overrides or {}, "option")}
    for name, value in user.items():  # each value alone first: a bad one is named at once
        check_field(name, value)
    if base is not None:
        start = base.to_dict() if isinstance(base, TrainConfig) else normalize_keys(
            base, "saved config")
        return validate(TrainConfig(**{**start, **user}), explicit=set(user))
    spec = method_spec(user.get("method", TrainConfig.method))
    preset, values = spec.preset_values(user.get("preset"),
                                        user.get("data", TrainConfig.data) in IMAGE_SETS)
    values = {**values, **user, "method": spec.name, "preset": preset}
    return validate(TrainConfig(**values), explicit=set(user))


def from_dict(d: Mapping[str, Any]) -> TrainConfig:
    """Rebuild a config saved in a run folder (unknown keys are an error)."""
    return resolve(base=d)


#: fields that may change when a run is continued; any other change is refused
RESUMABLE = frozenset({"steps", "epochs", "time_limit", "device", "threads", "log_every",
                       "eval_every", "eval_n", "eval_critic_steps", "checkpoint_every", "metrics",
                       "eval_background", "tensorboard"})


def changed_on_resume(saved: TrainConfig, cfg: TrainConfig) -> list[str]:
    """Fields of ``cfg`` that differ from the run's ``saved`` config and may not change."""
    a, b = saved.to_dict(), cfg.to_dict()
    return sorted(k for k in b if b[k] != a[k] and k not in RESUMABLE)
