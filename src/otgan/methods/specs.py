"""Every method described without PyTorch: name, summary, config fields, presets, checks, and
what its critic's number estimates.

config.py builds ``TrainConfig`` from the general fields and the fields below, the CLI its
options and ``otgan presets`` from them, the report its rows and ceilings; ``registry.py``
pairs each spec with its implementation (one class per method in this package).  Nothing here
imports PyTorch, so ``otgan train --help`` and every usage error answer at once.

Presets: ``default`` is otgan's, measured on the five toy sets with ``bench/bench_defaults.py``
(docs/defaults.md); ``paper`` is the paper's; ``images`` is the default on the built-in image
sets where a method has one; ``lab``, ``notebook`` and ``blog`` are the course's settings:

* ``lab``: the lab "Generative modeling with optimal transport", exercise 1 (the ring): two MLPs
  with hidden layers 128 and 64 and ReLU, latent dimension 2 (question 4), Adam with betas
  (0.5, 0.9) as its skeleton fixes them, one generator update every 5 critic updates; the blanks
  it leaves (learning rates, clipping value, batch size) filled with the WGAN and WGAN-GP papers'
  values, as in bench/lab_reference.py.
* ``notebook``: the GAN notebook on MNIST: the DCGAN-style pair (exactly its networks,
  nets/conv.py), batch 1024, Adam 2e-4 with betas (0.5, 0.999), latent dimension 128, one
  discriminator update per generator update, binary cross-entropy with the non-saturating
  generator loss (method gan-ns).
* ``blog``: the post "WGAN vs WGAN-GP" on MNIST: RMSprop, batch 64, 5 critic updates per
  generator update, latent dimension 128; weight clipping at 0.01 with lr 1e-5 and a BatchNorm
  critic, the gradient penalty (lambda 10) with lr 1e-4 and a LayerNorm critic.  otgan's
  DCGAN-style critic carries the normalization; the post's critic has three 3x3 convolutions
  (32, 64, 128 channels) where otgan's has two 4x4 convolutions of 64.
No course preset uses an EMA of the generator: none of the three does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..errors import ConfigError
from ..fields import Field, between, did_you_mean, nonneg, positive


@dataclass(frozen=True)
class MethodSpec:
    """What the CLI, config files, validation and reports know of a method."""

    name: str
    summary: str
    #: named hyperparameter sets: field -> value; every method has "default" and "paper"
    presets: Mapping[str, Mapping[str, Any]]
    #: config fields this method reads beyond the general ones (a field may serve several)
    fields: tuple[Field, ...] = ()
    #: what is wrong with a config's values for this method, in one line (None: nothing)
    check: Callable[[Any], str | None] | None = None
    #: what the critic's number estimates: "W" (W1), "W2^2", "JS", "LC"; or a function of the
    #: config where it depends on it
    estimates: str | Callable[[Any], str] = "W"
    #: report rows (key, label, format) of what ``Method.estimate`` returns beyond the critic gap
    estimate_rows: tuple[tuple[str, str, str], ...] = ()
    #: (value, as written) of the estimate on disjoint supports, for a divergence that saturates
    ceiling: tuple[float, str] | None = None
    #: config values a critic trained alone takes (``fit_critic``: no generator updates, so
    #: nothing scheduled by generator updates)
    critic_alone: Mapping[str, Any] = field(default_factory=dict)
    #: whether the critic's logit estimates log p_data(x) / p_G(x) at its optimum (binary
    #: cross-entropy): what discriminator rejection sampling reads
    density_ratio: bool = False

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def estimate_label(self, cfg) -> str:
        return self.estimates(cfg) if callable(self.estimates) else self.estimates

    @property
    def headline(self) -> tuple[str, ...]:
        """The keys of its own estimate, shown first where a result is summarized."""
        return tuple(key for key, _, _ in self.estimate_rows)

    def preset_values(self, name: str | None, image_data: bool = False) -> tuple[str, dict]:
        """The preset ``name`` (None: ``images`` on the built-in image sets where there is one,
        else ``default``) and its values; an unknown name is a ConfigError."""
        if name is None:
            name = "images" if image_data and "images" in self.presets else "default"
        if name not in self.presets:
            raise ConfigError(f"preset: method {self.name} has presets "
                              f"{', '.join(self.presets)}, got {name!r}")
        return name, dict(self.presets[name])

    def refusal(self, cfg, explicit=()) -> str | None:
        """What is wrong with ``cfg`` for this method, in one line (None: nothing): an unknown
        preset, a field set in ``explicit`` that other methods read and this one does not (it
        would have no effect), or what ``check`` finds."""
        self.preset_values(cfg.preset)
        for name in sorted(explicit):
            owners = readers(name)
            if owners and name not in self.params:
                return (f"{name} does not apply to method {self.name} "
                        f"(it is read by {' and '.join(owners)})")
        return self.check(cfg) if self.check is not None else None


# ----------------------------------------------------------------------------- fields
CLIP = Field("clip", 0.01, "wgan-clip: critic weights are clamped to [-clip, clip]", "float",
             positive, group="method")
GP_LAMBDA = Field("gp_lambda", 10.0, "gradient penalty weight (wgan-gp, wgan-lp, bigan-gp)",
                  "float", nonneg, group="method")
R1_GAMMA = Field("r1_gamma", 10.0, "gan-r1: weight gamma of the R1 penalty gamma/2 E_data "
                 "||grad D(x)||^2", "float", nonneg, group="method")
SN_LOSS = Field("sn_loss", "wasserstein", "sngan: critic loss", "str",
                choices=("wasserstein", "hinge"), group="method")
SD_FIELDS = (
    Field("sd_cost", "euclidean", "sd-wgan: ground cost, euclidean (W1) or sqeuclidean (W2^2)",
          "str", choices=("euclidean", "sqeuclidean"), group="method"),
    Field("sd_eps", 0.0, "sd-wgan: entropic smoothing of the c-transform (0: hard min)", "float",
          nonneg, group="method"),
    Field("sd_gamma", 1.0, "sd-wgan, ae-ot: dual step, in units of the cost scale over the "
          "target's weight (docs/semidiscrete.md)", "float", positive, group="method"),
    Field("sd_scale", 0.0, "sd-wgan: cost scale of the dual step (0: from the targets' "
          "nearest-neighbour costs; the value used is in config.json)", "float", nonneg,
          group="method"),
    Field("sd_average", "step", "sd-wgan: average the dual iterates since the last generator "
          "update (step) or since the start (global)", "str", choices=("step", "global"),
          group="method"),
    Field("sd_warmup_targets", 0, "sd-wgan: train first against this many of the targets (a "
          "random subset, weights renormalized), then against all (0, or at least the number of "
          "targets: all from the start)", "int", between(0, 10**9), group="method"),
    Field("sd_warmup_steps", 0, "sd-wgan: generator updates against the subset of "
          "sd_warmup_targets", "int", between(0, 10**9), group="method"),
)
LS_FIELDS = (
    Field("ls_a", -1.0, "lsgan: target of the discriminator's scores on generated points",
          "float", group="method"),
    Field("ls_b", 1.0, "lsgan: target of the discriminator's scores on data", "float",
          group="method"),
    Field("ls_c", 0.0, "lsgan: target the generator pushes its scores to", "float",
          group="method"),
)


# ----------------------------------------------------------------------------- the course
_LAB = dict(optimizer="adam", beta1=0.5, beta2=0.9, batch_size=64, n_critic=5,
            g_hidden=(128, 64), d_hidden=(128, 64), activation="relu", latent_dim=2, ema=0.0)
LAB_CLIP = dict(_LAB, lr_g=5e-5, lr_d=5e-5, clip=0.01)
LAB_PENALTY = dict(_LAB, lr_g=1e-4, lr_d=1e-4, gp_lambda=10.0)
NOTEBOOK = dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999, batch_size=1024,
                n_critic=1, latent_dim=128, arch="dcgan", ema=0.0)
_BLOG = dict(optimizer="rmsprop", batch_size=64, n_critic=5, latent_dim=128, arch="dcgan",
             ema=0.0)
BLOG_CLIP = dict(_BLOG, lr_g=1e-5, lr_d=1e-5, clip=0.01, d_norm="batchnorm")
BLOG_PENALTY = dict(_BLOG, lr_g=1e-4, lr_d=1e-4, gp_lambda=10.0, d_norm="layernorm")

#: the image sets' MLP pair (docs/images.md): ten times cheaper than the DCGAN pair on a CPU
_IMAGE_MLP = dict(arch="mlp", g_hidden=(256, 512), d_hidden=(512, 256), latent_dim=32)

# ----------------------------------------------------------------------------- gan, gan-ns
JS_ROWS = (("js_estimate", "discriminator JS estimate (log 2 = 0.693)", "{:.4f}"),)
JS_CEILING = (math.log(2), "log 2")
# Measured on the five toy sets (docs/defaults.md): with lr 1e-3 the saturating GAN went back
# above the ring's target after reaching it; lr 5e-4 with beta1 0 stayed for 12000 updates.  Both
# losses drop modes of the Gaussian mixtures with every setting tried.
_GAN_DEFAULT = dict(optimizer="adam", lr_g=5e-4, lr_d=5e-4, beta1=0.0, beta2=0.9,
                    batch_size=256, n_critic=1, ema=0.99)
# Goodfellow et al. used SGD with momentum on MLPs; the DCGAN settings (Adam 2e-4, beta1 0.5,
# one discriminator step per generator step) are the de facto paper defaults for GANs since.
_GAN_PAPER = dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999,
                  batch_size=64, n_critic=1, ema=0.0)

GAN = MethodSpec(
    "gan", "vanilla GAN, binary cross-entropy, saturating minimax generator loss",
    {"default": _GAN_DEFAULT, "paper": _GAN_PAPER},
    estimates="JS", estimate_rows=JS_ROWS, ceiling=JS_CEILING,
    density_ratio=True)
GAN_NS = MethodSpec(
    "gan-ns", "vanilla GAN, binary cross-entropy, non-saturating generator loss -log D(G(z))",
    {"default": dict(_GAN_DEFAULT, beta1=0.5), "paper": _GAN_PAPER, "notebook": NOTEBOOK,
     # MNIST, 3000 updates (docs/images.md, "Other methods' images presets"): the MLP pair
     # with leaky ReLU and beta2 0.999 reached FID 245; with ReLU and lr 2e-4 it collapsed
     "images": dict(_GAN_DEFAULT, beta1=0.5, beta2=0.999, activation="leaky_relu",
                    **_IMAGE_MLP)},
    estimates="JS", estimate_rows=JS_ROWS, ceiling=JS_CEILING,
    density_ratio=True)

# ----------------------------------------------------------------------------- gan-r1
# Measured on the five toy sets (docs/defaults.md, bench/bench_defaults.py --methods gan-r1):
# reaches all five and covers every mode of the mixtures, leaves the ring and the moons again;
# gamma 1 did the same and reached the grid later; learning rates 5e-4 with beta1 0.5 were worse
# on the ring and the moons, EMA 0.999 kept the moons but reached every set later.
_R1_DEFAULT = dict(optimizer="adam", lr_g=1e-3, lr_d=1e-3, beta1=0.0, beta2=0.9,
                   batch_size=256, n_critic=1, ema=0.99, r1_gamma=0.1)
# Mescheder et al. 2018's image experiments (their GAN_stability code): RMSProp 1e-4 on both
# networks, gamma 10, batch 64, one discriminator update per generator update.
_R1_PAPER = dict(optimizer="rmsprop", lr_g=1e-4, lr_d=1e-4, batch_size=64, n_critic=1,
                 r1_gamma=10.0, ema=0.0)
GAN_R1 = MethodSpec(
    "gan-r1", "non-saturating GAN with the R1 penalty gamma/2 E_data ||grad D(x)||^2 "
    "(Mescheder et al. 2018)",
    {"default": _R1_DEFAULT, "paper": _R1_PAPER,
     "images": dict(_R1_DEFAULT, lr_g=2e-4, lr_d=2e-4, beta1=0.5, r1_gamma=10.0, **_IMAGE_MLP)},
    fields=(R1_GAMMA,), estimates="JS", estimate_rows=JS_ROWS, ceiling=JS_CEILING,
    density_ratio=True)

# ----------------------------------------------------------------------------- lsgan
# Measured on the five toy sets (docs/notes/preset-search.md, "lsgan"): with the (-1, 1, 0)
# coding no setting reached the ring's target in 4000-6000 updates (lr 2e-4 to 2e-3, beta1 0 or
# 0.5, 1 or 2 discriminator steps); the (0, 1, 1) coding reached it in 500.
_LS_DEFAULT = dict(optimizer="adam", lr_g=1e-3, lr_d=1e-3, beta1=0.0, beta2=0.9, batch_size=256,
                   n_critic=1, ema=0.99, ls_a=0.0, ls_b=1.0, ls_c=1.0)
# The paper trains with Adam lr 2e-4 (beta1 0.5) and the (a, b, c) = (-1, 1, 0) coding.
_LS_PAPER = dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999, batch_size=64,
                 n_critic=1, ema=0.0, ls_a=-1.0, ls_b=1.0, ls_c=0.0)


def _check_lsgan(cfg):
    if cfg.ls_a == cfg.ls_b:
        return (f"ls_a and ls_b must differ (the discriminator separates them), got "
                f"{cfg.ls_a} and {cfg.ls_b}")
    return None


LSGAN = MethodSpec(
    "lsgan", "least-squares GAN, discriminator regresses real to b and fake to a, G fake to c",
    {"default": _LS_DEFAULT, "paper": _LS_PAPER}, fields=LS_FIELDS, check=_check_lsgan,
    estimates="LC", ceiling=(1.0, "1"),
    estimate_rows=(("lc_estimate", "discriminator Le Cam divergence estimate (disjoint = 1)",
                    "{:.4f}"),))

# ----------------------------------------------------------------------------- wgan-clip
_CLIP_PAPER = dict(optimizer="rmsprop", lr_g=5e-5, lr_d=5e-5, clip=0.01, batch_size=64,
                   n_critic=5, ema=0.0)
# Measured on the five toy sets (docs/defaults.md). The clipped critic keeps the paper's RMSProp;
# the generator, whose updates the paper's warning about momentum does not concern, uses Adam:
# with RMSProp on both the 25-Gaussian grid was out of reach.
_CLIP_DEFAULT = dict(optimizer="adam", d_optimizer="rmsprop", lr_g=2e-3, lr_d=5e-4, beta1=0.0,
                     beta2=0.9, clip=0.05, batch_size=256, n_critic=2, ema=0.998)
WGAN_CLIP = MethodSpec(
    "wgan-clip", "WGAN, critic weights clipped to [-clip, clip] after every critic update",
    {"default": _CLIP_DEFAULT, "paper": _CLIP_PAPER, "lab": LAB_CLIP, "blog": BLOG_CLIP},
    fields=(CLIP,))

# ----------------------------------------------------------------------------- wgan-gp, wgan-lp
_GP_PAPER = dict(optimizer="adam", lr_g=1e-4, lr_d=1e-4, beta1=0.0, beta2=0.9, gp_lambda=10.0,
                 batch_size=64, n_critic=5, ema=0.0)
# Measured on the five toy sets (docs/defaults.md): lambda 0.1, two critic updates per generator
# update, lr 2e-3 and the paper's betas (0, 0.9) converge and stay on all of them, the 25-Gaussian
# grid included (lr 1e-3 needed 5000-7000 updates there; with beta1 0.5 W1 hovered at the ring's
# target); the paper's lambda 10 never settles on the ring.
_GP_DEFAULT = dict(optimizer="adam", lr_g=2e-3, lr_d=2e-3, beta1=0.0, beta2=0.9, gp_lambda=0.1,
                   batch_size=256, n_critic=2, ema=0.99)
# The preset used by default on the built-in image sets (docs/images.md): the MLP pair, lambda 10,
# Adam 1e-3 betas (0.5, 0.9); measured on MNIST, 3000 updates: FID 112 (lambda 10), 116
# (lambda 1), 167 (lambda 0.1, the toy value).
_GP_IMAGES = dict(_GP_DEFAULT, lr_g=1e-3, lr_d=1e-3, beta1=0.5, gp_lambda=10.0, **_IMAGE_MLP)
WGAN_GP = MethodSpec(
    "wgan-gp", "WGAN-GP, two-sided penalty lambda * (||grad D(x_hat)|| - 1)^2 on interpolates",
    {"default": _GP_DEFAULT, "paper": _GP_PAPER, "images": _GP_IMAGES, "lab": LAB_PENALTY,
     "blog": BLOG_PENALTY},
    fields=(GP_LAMBDA,))
# The one-sided penalty with beta1 0 left the ring after 20 s (W1 up to 0.28); with 0.5 it stayed.
WGAN_LP = MethodSpec(
    "wgan-lp", "WGAN-LP, one-sided penalty lambda * max(0, ||grad D(x_hat)|| - 1)^2",
    {"default": dict(_GP_DEFAULT, beta1=0.5), "paper": _GP_PAPER, "images": _GP_IMAGES,
     "lab": LAB_PENALTY},
    fields=(GP_LAMBDA,))

# ----------------------------------------------------------------------------- sngan
_SN_PAPER = dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, beta1=0.0, beta2=0.9, batch_size=64,
                 n_critic=5, sn_loss="wasserstein", ema=0.0)
# Measured on the five toy sets (docs/defaults.md): the paper's betas with lr 2e-3, a larger batch,
# two critic updates and a generator EMA converge and stay on all five; with the paper's lr 2e-4
# SN-GAN did not reach the mixtures' or the swiss roll's target in 30 s; beta1 0.5 oscillated.
_SN_DEFAULT = dict(optimizer="adam", lr_g=2e-3, lr_d=2e-3, beta1=0.0, beta2=0.9, batch_size=256,
                   n_critic=2, sn_loss="wasserstein", ema=0.99)
SNGAN = MethodSpec(
    "sngan", "SN-GAN, spectral normalization of every critic layer (Wasserstein or hinge loss)",
    {"default": _SN_DEFAULT, "paper": _SN_PAPER,
     # MNIST, 3000 updates (docs/images.md, "Other methods' images presets"): wgan-gp's images
     # rates, FID 194; lr 2e-4 with one critic update: 309 (Wasserstein loss), 427 (hinge)
     "images": dict(_SN_DEFAULT, lr_g=1e-3, lr_d=1e-3, beta1=0.5, **_IMAGE_MLP)},
    fields=(SN_LOSS,))

# ----------------------------------------------------------------------------- sd-wgan
# Measured on the five toy sets, seeds 0-3 (docs/semidiscrete.md, bench/bench_defaults.py): the
# multiscale dual step at gamma 1 (the value that also solves Exercises 1 and 2) with the
# generator's Adam of wgan-gp's default at twice its rate; J = 1000 targets because each dual
# step's cost grows with J (J = 10000: too few generator updates in 60 s).
_SD_DEFAULT = dict(optimizer="adam", lr_g=4e-3, beta1=0.0, beta2=0.9, batch_size=256,
                   n_critic=10, n_train=1000, sd_cost="euclidean", sd_eps=0.0, sd_gamma=1.0,
                   sd_average="step", ema=0.99)
# The preset used by default on the built-in image sets (docs/semidiscrete.md, "All 60000 MNIST
# images"): the squared cost, a dual step 100x smaller than the toy sets' (gamma 1 diverges on
# MNIST), 2 dual steps per update, wgan-gp's images MLP generator; a warm-up of 6000 updates
# (about 5 minutes on one thread) against 1000 of the images, then all of them.
_SD_IMAGES = dict(_SD_DEFAULT, sd_cost="sqeuclidean", sd_gamma=0.01, n_critic=2, arch="mlp",
                  g_hidden=(256, 512), latent_dim=32, sd_warmup_targets=1000,
                  sd_warmup_steps=6000)
# Houdard, Leclaire, Papadakis, Rabin (TMLR 2023), MNIST script: 10 dual steps of batch 200 per
# generator step, Adam 1e-3 on the generator.
_SD_PAPER = dict(optimizer="adam", lr_g=1e-3, beta1=0.9, beta2=0.999, batch_size=200,
                 n_critic=10, sd_cost="sqeuclidean", sd_eps=0.0, sd_gamma=1.0,
                 sd_average="global", ema=0.0)


def _check_sd(cfg):
    if (cfg.sd_warmup_targets > 0) != (cfg.sd_warmup_steps > 0):
        return ("sd_warmup_targets and sd_warmup_steps go together: a warm-up needs a number of "
                "targets and a number of generator updates")
    return None


SD_WGAN = MethodSpec(
    "sd-wgan", "semi-discrete WGAN: critic = c-transform of a dual vector over the data, "
    "averaged SGD on the dual",
    {"default": _SD_DEFAULT, "paper": _SD_PAPER, "images": _SD_IMAGES}, fields=SD_FIELDS,
    check=_check_sd,
    estimates=lambda cfg: "W" if cfg.sd_cost == "euclidean" else "W2^2",
    # no generator updates: no warm-up (it would last forever)
    critic_alone={"sd_warmup_targets": 0, "sd_warmup_steps": 0})

# ----------------------------------------------------------------------------- bigan, bigan-gp
# gan-ns's measured toy values (beta2 0.999 as in the paper); checked on the ring (W1 0.16-0.18
# after 2000 updates, unsteady) and on digits (docs/methods.md, docs/images.md).
_BI_DEFAULT = dict(optimizer="adam", lr_g=5e-4, lr_d=5e-4, beta1=0.5, beta2=0.999,
                   batch_size=256, n_critic=1, ema=0.99)
# The BiGAN paper's settings (Adam 2e-4, beta1 0.5, batch 128, one D step per G/E step).
_BI_PAPER = dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999,
                 batch_size=128, n_critic=1, ema=0.0)
# The Wasserstein variant: near wgan-gp's measured toy values in the joint space (lambda 1); on
# the ring W1 0.07-0.09 after 2000 updates; on digits (images preset) class agreement 0.81.
_BIGP_DEFAULT = dict(optimizer="adam", lr_g=1e-3, lr_d=1e-3, beta1=0.5, beta2=0.9,
                     gp_lambda=1.0, batch_size=256, n_critic=2, ema=0.99)
BIGAN = MethodSpec(
    "bigan", "BiGAN: generator, encoder and a discriminator of (x, z) pairs, binary "
    "cross-entropy",
    # images (digits, MNIST): the MLP pair, latent 32, as wgan-gp's images preset
    {"default": _BI_DEFAULT, "paper": _BI_PAPER,
     "images": dict(_BI_DEFAULT, lr_g=2e-4, lr_d=2e-4, batch_size=128, **_IMAGE_MLP)},
    estimates="JS", estimate_rows=JS_ROWS, ceiling=JS_CEILING)
BIGAN_GP = MethodSpec(
    "bigan-gp", "BiGAN with a Wasserstein critic of (x, z) pairs and a gradient penalty on both "
    "parts",
    {"default": _BIGP_DEFAULT, "paper": _GP_PAPER,
     "images": dict(_BIGP_DEFAULT, lr_g=2e-4, lr_d=2e-4, gp_lambda=10.0, batch_size=128,
                    **_IMAGE_MLP)},
    fields=(GP_LAMBDA,))

# ----------------------------------------------------------------------------- ae-ot
AEOT_FIELDS = (
    Field("aeot_ae_steps", 2000, "ae-ot: autoencoder updates before the codes are taken; each "
          "update after them runs n_critic averaged-SGD steps of the latent dual (the decoder "
          "alone goes on training)", "int", between(1, 10**9), group="method"),
    Field("aeot_blend", 0.5, "ae-ot: weight of the neighbouring code on the facet between two "
          "cells (0.5: the extended map is continuous across regular facets; 0: only the codes "
          "themselves are decoded)", "float", between(0.0, 1.0), group="method"),
    Field("aeot_angle", 0.1, "ae-ot: pairs of cells whose supporting planes' normals (p, -1) "
          "make a larger angle (radians, codes in the unit cube) are singular: the map jumps "
          "there, no sample lies between their codes", "float", between(0.0, math.pi),
          group="method"),
    SD_FIELDS[2],  # sd_gamma: the dual's step
)


# The toy sets (bench/bench_defaults.py, seed 0: every set reached and kept, every mode covered;
# README's table).  2D points, a 2D latent: 1000 autoencoder updates, then 10 dual steps of 256
# latent points per update against J = 1000 codes (the uniform square onto 1000 ring points,
# 3000 dual steps: total variation of the cell masses 0.16 at gamma 1 with solve's one-level
# step, 0.10 with the multiscale step, 0.04 at gamma 3, 0.09 at gamma 10; J = 10000: 0.59).
_AEOT_DEFAULT = dict(optimizer="adam", lr_g=1e-3, beta1=0.9, beta2=0.999, batch_size=256,
                     n_critic=10, latent="uniform", ema=0.0, n_train=1000,
                     aeot_ae_steps=1000, sd_gamma=3.0)
# Images: the MLP pair of the other methods' images presets, the latent law uniform on the cube,
# the dual's multiscale step at gamma 3 (on MNIST's 60000 codes, 1000 steps of 256: class shares
# of the latent law within 1.2% in total variation; solve's one-level step at gamma 0.25: 19%).
# Measured with bench/bench_aeot.py (docs/semidiscrete.md, "AE-OT"): on MNIST, digits and
# Fashion-MNIST the cut at 0.1 rad gives the lowest FID of the extended readings; Stacked MNIST:
# 1000 modes, KL 0.073 after 3120 updates (docs/benchmarks.md).
_AEOT_IMAGES = dict(_AEOT_DEFAULT, arch="mlp", g_hidden=(256, 512), latent_dim=32,
                    aeot_ae_steps=3000)
# An et al. 2020's code: the singular threshold 0.7 rad (its compute_ot), its samples 3/4 of the
# way to the neighbouring code ("dissim" 0.75), uniform source; the autoencoder of our images
# preset (their networks are not otgan's).
_AEOT_PAPER = dict(_AEOT_IMAGES, aeot_angle=0.7, aeot_blend=0.75)
AEOT = MethodSpec(
    "ae-ot", "AE-OT: an autoencoder, then the semi-discrete OT map from the latent law to its "
    "codes (averaged SGD on the dual), extended between neighbouring cells (An et al. 2020)",
    {"default": _AEOT_DEFAULT, "paper": _AEOT_PAPER, "images": _AEOT_IMAGES},
    fields=AEOT_FIELDS, estimates="W2^2")

# ----------------------------------------------------------------------------- the registry
#: every method, in the order `otgan presets` lists them
METHODS: dict[str, MethodSpec] = {spec.name: spec for spec in (
    GAN, GAN_NS, GAN_R1, LSGAN, WGAN_CLIP, WGAN_GP, WGAN_LP, SNGAN, SD_WGAN, BIGAN, BIGAN_GP,
    AEOT)}


def method_spec(name: str) -> MethodSpec:
    """The spec of method ``name``; a misspelt name is a ConfigError naming the closest one."""
    try:
        return METHODS[name]
    except KeyError:
        raise ConfigError(f"method: unknown method {name!r} (choose from "
                          f"{', '.join(METHODS)}){did_you_mean(name, METHODS)}") from None


def method_fields() -> tuple[Field, ...]:
    """Every method's fields, each once, in the order the methods bring them."""
    return tuple({f.name: f for spec in METHODS.values() for f in spec.fields}.values())


def readers(field_name: str) -> list[str]:
    """The methods that read a method's field (empty for general fields)."""
    return [name for name, spec in METHODS.items() if field_name in spec.params]
