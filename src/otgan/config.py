"""Run configuration: one flat dataclass, named presets, and validation with clear errors.

A run's configuration is resolved in four layers, each overriding the one before:

1. the field defaults below (general, method-independent values);
2. the method's preset (``default``: otgan's measured defaults; ``paper``: the paper's values);
3. a config file (``--config run.toml`` or ``.json``), flat ``key = value`` pairs;
4. command-line options or keyword arguments.

Every field carries its help text, its kind and its check in ``metadata``; the CLI options, the
config-file parser and the validation are all derived from them, so there is one source of truth.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError

# The method registry, the metric registry, the data sets and the networks load PyTorch; they
# are imported where they are used, so that reading and checking a config (and `otgan --help`)
# does not wait for it.
#: latent distributions (nets/latent.py implements them; tests/test_config.py keeps both equal)
LATENTS = ("gaussian", "uniform")
#: the built-in data sets (data/__init__.py's BUILTIN; tests/test_config.py keeps both equal)
DATA_NAMES = ("ring", "8gaussians", "25gaussians", "swissroll", "moons", "mnist", "fashion-mnist",
              "digits")
#: the metric registry's names, in its order (metrics/; tests/test_config.py keeps both equal)
METRIC_NAMES = ("w1", "w2", "sliced", "energy", "critic", "lipschitz", "modes", "fid", "kid",
                "pr", "classes", "partition", "reconstruction", "latent_classes", "latent_knn")
#: the method registry's names, in its order (methods/__init__.py; tests/test_config.py keeps
#: both equal), so that a misspelt method is refused without loading PyTorch
METHOD_NAMES = ("gan", "gan-ns", "lsgan", "wgan-clip", "wgan-gp", "wgan-lp", "sngan", "sd-wgan",
                "bigan", "bigan-gp")

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: seeds are 0 .. 2^31 - 1 everywhere (numpy's, torch's and every command's)
MAX_SEED = 2**31 - 1


# ----------------------------------------------------------------------------- checks
def _positive(v):
    return None if v > 0 else "must be > 0"


def _nonneg(v):
    return None if v >= 0 else "must be >= 0"


def _at_least(lo):
    return lambda v: None if v >= lo else f"must be >= {lo}"


def _between(lo, hi):
    return lambda v: None if lo <= v <= hi else f"must be between {lo} and {hi}"


def _unit_interval_open_right(v):
    return None if 0 <= v < 1 else "must be in [0, 1)"


def _open_unit_interval(v):
    return None if 0 < v < 1 else "must be in (0, 1)"


def _hidden(v):
    ok = all(1 <= w <= MAX_WIDTH for w in v) and len(v) <= 64
    return None if ok else f"widths must be between 1 and {MAX_WIDTH}, at most 64 layers"


#: sizes beyond any network or batch that fits in memory (16384^2 weights are 1 GiB in fp32):
#: refused at once instead of hanging in an allocation
MAX_WIDTH = 16384


def _device(v):
    ok = re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", v)
    return None if ok else "must be auto, cpu, cuda, cuda:N or mps"


def _metric_names(v):
    if v == "auto":
        return None
    bad = [n for n in v.split(",") if n.strip() not in METRIC_NAMES]
    return f"has unknown metric {bad[0]!r} (available: {', '.join(METRIC_NAMES)})" if bad else None


def missing_data(spec: str) -> str | None:
    """Why ``spec`` names no data (neither a built-in set nor an existing path), one line, or
    None; a check the commands make before loading PyTorch."""
    if spec in DATA_NAMES or Path(spec).exists() or Path(spec).is_symlink():
        return None
    if Path(spec).suffix or "/" in spec or os.sep in spec:
        return f"data file not found: {spec}"
    import difflib

    close = difflib.get_close_matches(spec, DATA_NAMES, n=1)
    return (f"data: {spec!r} is neither a built-in dataset ({', '.join(DATA_NAMES)}) nor an existing "
            f".npy/.npz/.csv file or image folder" + (f"; did you mean {close[0]!r}?" if close
                                                       else ""))


def _known_method(name: str) -> str | None:
    if name in METHOD_NAMES:
        return None
    import difflib

    close = difflib.get_close_matches(name, METHOD_NAMES, n=1)
    return (f"must be one of {', '.join(METHOD_NAMES)}"
            + (f" (did you mean {close[0]!r}?)" if close else ""))


def _f(default, help, kind, check=None, choices=None, group="run"):
    meta = dict(help=help, kind=kind, check=check, choices=choices, group=group)
    if isinstance(default, tuple):
        return field(default_factory=lambda: default, metadata=meta)
    return field(default=default, metadata=meta)


ACTIVATIONS = ("relu", "leaky_relu", "elu", "tanh", "softplus", "silu", "gelu")


@dataclass
class TrainConfig:
    """Everything that determines a training run (not where it is written)."""

    # --- data
    data: str = _f("ring", "built-in dataset name, a .npy/.npz/.csv file (N, d) or (N, [C,] H, W), "
                   "or a folder of images",
                   "str", group="data")
    n_train: int = _f(10000, "points in the training split (built-in toy data)", "int",
                      _between(1, 10**8), group="data")
    # exact W1 on fewer than 100 held-out points measures the sample, not the generator
    n_test: int = _f(10000, "points in the held-out split (built-in toy data)", "int",
                     _between(100, 10**8), group="data")
    test_fraction: float = _f(0.2, "held-out fraction of a user data file", "float",
                              _open_unit_interval, group="data")
    data_seed: int = _f(0, "seed of the data draw and of the train/test split", "int",
                        _between(0, MAX_SEED), group="data")
    data_weights: str = _f("", "a .npy/.csv file of one non-negative weight per data point "
                           "(the data is then the weighted discrete measure: every point "
                           "trains, held-out points are draws from it)", "str", group="data")
    normalize: str = _f("none", "standardize the data per coordinate before training", "str",
                        choices=("none", "standard"), group="data")

    # --- networks
    latent_dim: int = _f(0, "dimension of the generator's input (0: 2 for points, 128 for "
                            "images)", "int", _between(0, MAX_WIDTH), group="model")
    latent: str = _f("gaussian", "the generator's input distribution: gaussian N(0, I) or "
                     "uniform U[0, 1]^k", "str", choices=LATENTS, group="model")
    arch: str = _f("auto", "network pair: mlp, dcgan (images), auto (dcgan for images)", "str",
                   choices=("auto", "mlp", "dcgan"), group="model")
    g_norm: str = _f("none", "dcgan generator normalization", "str",
                     choices=("none", "batchnorm"), group="model")
    d_norm: str = _f("none", "dcgan critic normalization (batchnorm: not with a gradient "
                     "penalty, which it breaks)", "str", choices=("none", "layernorm", "batchnorm"),
                     group="model")
    g_hidden: tuple = _f((128, 64), "generator hidden widths, e.g. 128,64", "ints", _hidden,
                         group="model")
    d_hidden: tuple = _f((128, 64), "critic hidden widths, e.g. 128,64", "ints", _hidden,
                         group="model")
    activation: str = _f("relu", "hidden activation of both networks", "str",
                         choices=ACTIVATIONS, group="model")

    # --- method
    method: str = _f("wgan-gp", "training objective and Lipschitz mechanism (see `otgan presets`)",
                     "str", _known_method, group="method")
    preset: str = _f("default", "named hyperparameter set of the method: default, paper, images "
                     "(wgan-gp/wgan-lp; the default on mnist, fashion-mnist and digits), or the "
                     "course's lab, notebook, blog (otgan presets METHOD)", "str",
                     group="method")
    clip: float = _f(0.01, "wgan-clip: critic weights are clamped to [-clip, clip]", "float",
                     _positive, group="method")
    gp_lambda: float = _f(10.0, "gradient penalty weight (wgan-gp, wgan-lp, bigan-gp)",
                          "float", _nonneg, group="method")
    sn_loss: str = _f("wasserstein", "sngan: critic loss", "str",
                      choices=("wasserstein", "hinge"), group="method")
    sd_cost: str = _f("euclidean", "sd-wgan: ground cost, euclidean (W1) or sqeuclidean (W2^2)",
                      "str", choices=("euclidean", "sqeuclidean"), group="method")
    sd_eps: float = _f(0.0, "sd-wgan: entropic smoothing of the c-transform (0: hard min)",
                       "float", _nonneg, group="method")
    sd_gamma: float = _f(1.0, "sd-wgan: dual step, in units of the cost scale over the "
                         "target's weight (docs/semidiscrete.md)", "float", _positive,
                         group="method")
    sd_scale: float = _f(0.0, "sd-wgan: cost scale of the dual step (0: from the targets' "
                         "nearest-neighbour costs; the value used is in config.json)", "float",
                         _nonneg, group="method")
    sd_average: str = _f("step", "sd-wgan: average the dual iterates since the last generator "
                         "update (step) or since the start (global)", "str",
                         choices=("step", "global"), group="method")
    sd_warmup_targets: int = _f(0, "sd-wgan: train first against this many of the targets (a "
                                "random subset, weights renormalized), then against all (0, or "
                                "at least the number of targets: all from the start)", "int",
                                _between(0, 10**9), group="method")
    sd_warmup_steps: int = _f(0, "sd-wgan: generator updates against the subset of "
                              "sd_warmup_targets", "int", _between(0, 10**9), group="method")
    ls_a: float = _f(-1.0, "lsgan: target of the discriminator's scores on generated points",
                     "float", group="method")
    ls_b: float = _f(1.0, "lsgan: target of the discriminator's scores on data", "float",
                     group="method")
    ls_c: float = _f(0.0, "lsgan: target the generator pushes its scores to", "float",
                     group="method")

    # --- optimization
    optimizer: str = _f("adam", "optimizer of both networks (of the generator when "
                        "--d-optimizer is set)", "str", choices=("adam", "rmsprop", "sgd"),
                        group="optim")
    d_optimizer: str = _f("same", "critic optimizer: same (as --optimizer), adam, rmsprop or sgd",
                          "str", choices=("same", "adam", "rmsprop", "sgd"), group="optim")
    lr_g: float = _f(1e-4, "generator learning rate", "float", _positive, group="optim")
    lr_d: float = _f(1e-4, "critic learning rate", "float", _positive, group="optim")
    beta1: float = _f(0.5, "Adam beta1", "float", _unit_interval_open_right, group="optim")
    beta2: float = _f(0.9, "Adam beta2", "float", _unit_interval_open_right, group="optim")
    batch_size: int = _f(64, "batch size of real and of generated points", "int",
                         _between(1, 2**24), group="optim")
    n_critic: int = _f(5, "critic updates per generator update", "int", _between(1, 10**6),
                       group="optim")
    critic_boost: bool = _f(False, "WGAN reference-code schedule: 100 critic updates for the first "
                            "25 generator updates and every 500th", "bool", group="optim")
    ema: float = _f(0.0, "decay of the generator's weight EMA used for sampling (0: off)", "float",
                    _unit_interval_open_right, group="optim")

    # --- loop
    steps: int = _f(2000, "generator updates", "int", _at_least(1), group="run")
    epochs: float = _f(0.0, "training length in epochs instead of steps (0: use steps): one epoch "
                       "is N_train / batch_size critic updates, as in the lab's DataLoader loop, "
                       "so steps = ceil(epochs * N_train / (batch_size * n_critic))", "float",
                       _nonneg, group="run")
    time_limit: float = _f(0.0, "stop after this many seconds of training (summed over resumed "
                           "segments; 0: no limit): the update that crosses it is the last, "
                           "logged, evaluated and checkpointed as the end", "float", _nonneg,
                           group="run")
    seed: int = _f(0, "seed of initialization, batches and latent draws", "int",
                   _between(0, MAX_SEED), group="run")
    device: str = _f("auto", "auto, cpu, cuda, cuda:N or mps", "str", _device, group="run")
    precision: str = _f("fp32", "forward passes in fp32, or bf16 autocast (the gradient penalty's "
                         "pass and the semi-discrete c-transform stay fp32)", "str",
                         choices=("fp32", "bf16"), group="run")
    threads: int = _f(1, "torch CPU threads (0: torch's default); 1 is fastest for small MLPs",
                      "int", _between(0, 1024), group="run")
    log_every: int = _f(50, "generator updates between lines of metrics.jsonl", "int",
                        _at_least(1), group="run")
    eval_every: int = _f(500, "generator updates between exact-W1 evaluations (0: only at the end)",
                         "int", _nonneg, group="run")
    eval_n: int = _f(2000, "generated and held-out points used by each evaluation", "int",
                     _between(2, 10**8), group="run")
    eval_critic_steps: int = _f(100, "critic updates of a copy of the critic against the frozen "
                                "generator before each evaluation reads its estimate of W (0: "
                                "read the training critic)", "int", _nonneg, group="run")
    checkpoint_every: int = _f(1000, "generator updates between checkpoints (0: only at the end)",
                               "int", _nonneg, group="run")
    metrics: str = _f("auto", "metrics evaluated during training, comma-separated, or auto "
                      "(w1,w2,critic,lipschitz, and modes on mixtures)", "str", _metric_names,
                      group="run")
    eval_background: bool = _f(True, "solve evaluation OT problems on a background thread (the "
                               "second core) while training continues", "bool", group="run")
    tensorboard: bool = _f(True, "write TensorBoard event files to <run>/tensorboard", "bool",
                           group="run")

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in fields(TrainConfig)}


# ----------------------------------------------------------------------------- coercion
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def coerce(name: str, value: Any) -> Any:
    """Convert ``value`` (from a CLI string, TOML or JSON) to the kind of field ``name``."""
    kind = FIELDS[name].metadata["kind"]
    bad = ConfigError(f"{name}: expected {_KIND_WORDS[kind]}, got {value!r}")
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
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise bad from None
        raise bad
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


_KIND_WORDS = {"bool": "true or false", "int": "an integer", "float": "a number",
               "ints": "comma-separated integers such as 128,64", "str": "a string"}


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
    for cutoff in (0.6, 0.4):
        close = difflib.get_close_matches(k, list(valid), n=1, cutoff=cutoff)
        if close:
            return close[0]
    return None


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
    for f in fields(cfg):
        setattr(cfg, f.name, check_field(f.name, getattr(cfg, f.name)))
    from .methods import get_method_class, readers

    cls = get_method_class(cfg.method)
    if cfg.preset not in cls.presets:
        raise ConfigError(f"preset: method {cfg.method} has presets "
                          f"{', '.join(cls.presets)}, got {cfg.preset!r}")
    for name in sorted(explicit or ()):
        owners = readers(name)
        if owners and name not in cls.params:
            raise ConfigError(f"{name} does not apply to method {cfg.method} "
                              f"(it is read by {' and '.join(owners)})")
    sized = sorted({"n_train", "n_test"} & (explicit or set()), reverse=True)
    if sized and not cfg.data_weights:
        from .data import TOY

        if cfg.data not in TOY:
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
    problem = cls.check(cfg)
    if problem:
        raise ConfigError(problem)
    return cfg


def check_field(name: str, value: Any) -> Any:
    """``value`` converted to field ``name``'s kind and checked alone; raises ConfigError."""
    value = coerce(name, value)
    meta = FIELDS[name].metadata
    if meta["choices"] and value not in meta["choices"]:
        raise ConfigError(f"{name}: must be one of {', '.join(meta['choices'])}, got {value!r}")
    if meta["check"] is not None:
        msg = meta["check"](value)
        if msg:
            raise ConfigError(f"{name} {msg}, got {value!r}")
    return value


def steps_for_epochs(cfg: TrainConfig, n_train: int) -> int:
    """Generator updates in ``cfg.epochs`` epochs of ``n_train`` points: an epoch is one pass of
    batches over the data, n_train / batch_size critic updates, n_critic per generator update."""
    return max(1, math.ceil(cfg.epochs * n_train / (cfg.batch_size * cfg.n_critic)))


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
    from .methods import get_method_class

    method = user.get("method", TrainConfig.method)
    cls = get_method_class(method)
    preset_name = user.get("preset") or default_preset(cls, user.get("data", TrainConfig.data))
    if preset_name not in cls.presets:
        raise ConfigError(f"preset: method {method} has presets {', '.join(cls.presets)}, "
                          f"got {preset_name!r}")
    values = {**cls.presets[preset_name], **user, "method": method, "preset": preset_name}
    return validate(TrainConfig(**values), explicit=set(user))


def default_preset(method_class, data: str) -> str:
    """The preset used when none is named: the method's ``images`` preset on the built-in image
    sets where it has one, ``default`` otherwise."""
    from .data import IMAGE_SETS

    return "images" if data in IMAGE_SETS and "images" in method_class.presets else "default"


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
