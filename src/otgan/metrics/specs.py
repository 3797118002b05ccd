"""Every metric described without PyTorch: what it applies to, whether training evaluates it by
default, whether it may run on the background thread, and how its values are shown.

The training loop, ``otgan eval``, summary.json and the report read only these specs and the
registry of implementations (``registry.py``: each family module of this package registers the
function that computes a spec's values under the spec's name).  config.py checks ``--metrics``
against these names without loading PyTorch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import ConfigError
from ..fields import did_you_mean


@dataclass(frozen=True)
class DataTraits:
    """What a metric may need from the data and the run: images (C, H, W), known mixture modes,
    labels; whether the critic is built from the data (a dual vector over the training points,
    whose cells partition space), reads (x, z) pairs, or has an encoder beside the generator."""

    image: bool = False
    modes: bool = False
    labels: bool = False
    critic_from_data: bool = False
    #: the critic reads (x, z) pairs (BiGAN): metrics that score points with it do not apply
    joint: bool = False
    #: the generator has an encoder E: x -> z (the latent metrics)
    encoder: bool = False
    #: Stacked MNIST (three digits as three channels: 1000 modes)
    stacked: bool = False
    #: the critic is a dual over latent codes (AE-OT): it reads latent points, not data
    latent_critic: bool = False


# predicates on DataTraits, for ``applies`` and ``default``
def for_all(t: DataTraits) -> bool:
    return True


def for_none(t: DataTraits) -> bool:
    return False


def for_points(t: DataTraits) -> bool:
    return not t.image


def for_images(t: DataTraits) -> bool:
    return t.image


def for_mixtures(t: DataTraits) -> bool:
    return t.modes


def for_stacked(t: DataTraits) -> bool:
    return t.stacked


def for_labelled_images(t: DataTraits) -> bool:
    return t.image and t.labels


def for_critics_from_data(t: DataTraits) -> bool:
    return t.critic_from_data


def for_point_critics(t: DataTraits) -> bool:
    return not t.joint and not t.latent_critic


def for_points_with_point_critics(t: DataTraits) -> bool:
    return for_points(t) and for_point_critics(t)


def for_encoders(t: DataTraits) -> bool:
    return t.encoder


def for_labelled_image_encoders(t: DataTraits) -> bool:
    return t.encoder and t.image and t.labels


@dataclass(frozen=True)
class Row:
    """How the report shows one value a metric returns."""

    key: str
    label: str
    fmt: str = "{:.4f}"
    #: shown in the line `otgan train` prints at the end, not only in the report
    headline: bool = False


@dataclass(frozen=True)
class MetricSpec:
    name: str
    summary: str
    rows: tuple[Row, ...]
    #: the data it can be computed on
    applies: Callable[[DataTraits], bool] = for_all
    #: whether training evaluates it when ``metrics = auto``
    default: Callable[[DataTraits], bool] = for_all
    #: it reads only the two point clouds, so it may run on the background thread
    background: bool = False


#: every metric, in the order evaluations compute them and the report shows them
METRICS: dict[str, MetricSpec] = {spec.name: spec for spec in (
    MetricSpec("w1", "exact W1 between generated and held-out points (POT's network simplex)",
               (Row("w1", "exact W1 to held-out", headline=True),
                Row("w1_floor", "W1 noise floor (held-out vs held-out)")), background=True),
    MetricSpec("w2", "exact W2 between generated and held-out points",
               (Row("w2", "exact W2 to held-out"),), default=for_points, background=True),
    MetricSpec("sliced", "sliced W2 (for large N or high dimension)",
               (Row("sliced_w2", "sliced W2 to held-out (256 projections)", headline=True),),
               default=for_images, background=True),
    MetricSpec("energy", "energy distance", (Row("energy", "energy distance to held-out"),),
               default=for_none, background=True),
    MetricSpec("critic", "the critic's own estimate on held-out data (its method's estimate: the "
               "gap over the slope for Wasserstein critics, JS for the GAN discriminator, ...)", (
        Row("critic_gap", "critic gap E D(real) - E D(fake) (held-out, training critic)"),
        Row("w_estimate", "critic estimate of W1 (gap / slope on the data, or the refined "
            "semi-dual)", headline=True),
        Row("w_critic_slope", "slope of the estimating critic on the data", "{:.3f}"),
        Row("w_ratio", "critic estimate of W1 / exact W1", "{:.3f}"),
        Row("w2sq_estimate", "critic estimate of W2^2 (semi-dual value)", headline=True),
        Row("w_estimate_training", "semi-dual value at the training dual (a lower bound of W1)"),
        Row("w2sq_estimate_training", "semi-dual value at the training dual (a lower bound of "
            "W2^2)"),
        Row("w2sq_ratio", "critic estimate of W2^2 / exact W2^2", "{:.3f}")),
        applies=for_point_critics),
    MetricSpec("lipschitz", "segment estimate of the critic's slope, gradient norms at real, fake "
               "and interpolates, the largest singular value of every critic layer", (
        Row("lip_mean", "Lipschitz: mean ||grad D|| on segments", "{:.3f}"),
        Row("lip_max", "Lipschitz: max ||grad D|| on segments", "{:.3f}"),
        Row("lip_frac_above_1", "fraction of segment points with ||grad D|| > 1", "{:.3f}"),
        Row("sigma_product", "product of layer spectral norms", "{:.3g}")),
        applies=for_point_critics, default=for_points_with_point_critics),
    MetricSpec("modes", "mixtures only: modes covered, % high-quality samples, KL of the mode "
               "histogram to uniform (VEEGAN's and PacGAN's definitions)", (
        Row("modes_covered", "modes covered", "{}", headline=True),
        Row("high_quality_pct", "high-quality samples (%)", "{:.1f}"),
        Row("mode_kl", "KL(mode histogram || uniform)", "{:.3f}")), applies=for_mixtures),
    MetricSpec("stacked", "Stacked MNIST only: modes (digit triples, of 1000) covered by 26000 "
               "samples, each channel read by otgan's MNIST classifier, and KL(mode histogram "
               "|| uniform) (VEEGAN's and PacGAN's protocol)", (
        Row("stacked_modes", "Stacked MNIST modes covered (of 1000)", "{}", headline=True),
        Row("stacked_kl", "KL(mode histogram || uniform over 1000)", "{:.3f}"),
        Row("stacked_kl_digits", "of which the channels' digit imbalance (sum of 3 KLs to "
            "uniform over 10)", "{:.3f}")),
        applies=for_stacked, default=for_stacked),
    MetricSpec("fid", "Frechet distance in the features of otgan's own classifier",
               (Row("fid", "FID (otgan's classifier features)", "{:.2f}", headline=True),),
               applies=for_labelled_images),
    MetricSpec("kid", "kernel (MMD^2) distance in the same features, mean and std over subsets",
               (Row("kid", "KID (same features)", "{:.4f}", headline=True),
                Row("kid_std", "KID standard deviation over subsets", "{:.4f}")),
               applies=for_labelled_images),
    MetricSpec("pr", "k-NN (k = 3) manifold precision and recall in the same features",
               (Row("precision", "precision (k-NN manifold, k = 3)", "{:.3f}", headline=True),
                Row("recall", "recall (k-NN manifold, k = 3)", "{:.3f}", headline=True)),
               applies=for_labelled_images),
    MetricSpec("classes", "classes covered by generated images, KL of their class histogram to "
               "uniform, the confidence score", (
        Row("classes_covered", "classes covered by generated images", "{}", headline=True),
        Row("class_kl", "KL(class histogram || uniform)", "{:.3f}"),
        Row("confidence", "confidence score exp(E KL(p(y|x) || p(y)))", "{:.2f}")),
        applies=for_labelled_images),
    MetricSpec("partition", "critics built from the data: the Laguerre cells' masses against the "
               "target weights (AE-OT: the latent law's cells against the codes' weights)", (
        Row("sd_mass_error", "largest relative cell-mass error max_j |mu(L_j) - nu_j| / nu_j",
            "{:.3f}"),
        Row("sd_mass_tv", "total variation between cell masses and target weights", "{:.4f}"),
        Row("sd_empty_cells", "fraction of empty Laguerre cells", "{:.3f}"),
        Row("sd_cells_hit", "distinct cells hit over a balanced partition's expected number",
            "{:.3f}"),
        Row("sd_dual", "semi-dual value at the averaged dual on the same points (a lower bound "
            "of the transport cost: W1 or W2^2; AE-OT: W2^2 from the latent law to the codes)")),
        applies=for_critics_from_data, default=for_critics_from_data),
    MetricSpec("reconstruction", "runs with an encoder: MSE of G(E(x)) on held-out x against G(z), "
               "z random", (
        Row("recon_mse", "reconstruction error of G(E(x)), held-out (MSE per coordinate)",
            "{:.4f}"),
        Row("recon_baseline_mse", "baseline: error of G(z), z random (MSE per coordinate)",
            "{:.4f}"),
        Row("recon_ratio", "reconstruction error / baseline error", "{:.3f}", headline=True)),
        applies=for_encoders, default=for_encoders),
    MetricSpec("latent_classes", "labelled images, with an encoder: G(E(x)) classified as x's "
               "label", (Row("recon_class_agreement", "held-out images whose G(E(x)) is "
                             "classified as x's label", "{:.3f}", headline=True),),
               applies=for_labelled_image_encoders, default=for_labelled_image_encoders),
    MetricSpec("latent_knn", "labelled images, with an encoder: 1-NN class accuracy of E(x) "
               "features", (Row("encoder_knn_accuracy", "1-NN class accuracy of E(x) features "
                                "(held-out vs train)", "{:.3f}", headline=True),),
               applies=for_labelled_image_encoders, default=for_labelled_image_encoders),
)}


def unknown_metric(name: str) -> str | None:
    """Why ``name`` is no metric, in one line, or None."""
    if name in METRICS:
        return None
    return (f"unknown metric {name!r} (available: {', '.join(METRICS)})"
            f"{did_you_mean(name, METRICS)}")


def check_names(names) -> tuple[str, ...]:
    """``names`` as a tuple, each a metric (ConfigError naming the first that is not)."""
    names = tuple(names)
    for name in names:
        if unknown_metric(name):
            raise ConfigError(unknown_metric(name))
    return names


def metric_names(traits: DataTraits, default_only: bool = False) -> tuple[str, ...]:
    """The metrics that apply to data with ``traits`` (only the defaults if asked)."""
    return tuple(m.name for m in METRICS.values()
                 if m.applies(traits) and (not default_only or m.default(traits)))


def report_rows() -> list[Row]:
    """Every metric's rows, in the order of the specs."""
    return [row for m in METRICS.values() for row in m.rows]


def headline_rows() -> list[Row]:
    """The rows a one-line summary of a run shows (``Row.headline``), in the order of the specs."""
    return [row for row in report_rows() if row.headline]
