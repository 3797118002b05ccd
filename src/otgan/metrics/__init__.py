"""Metrics: each one's spec (``specs.py``: what it applies to, whether training evaluates it by
default, how it is shown; no PyTorch), one family module per kind registering the functions that
compute them (``registry.py``), and ``compute`` (``suite.py``), which runs them by name.

| family | metrics |
|--------|---------|
| ``ot.py`` | w1, w2 (exact, POT's network simplex), sliced, energy |
| ``critic.py`` | critic: the critic's own estimate on held-out data beside the exact value |
| ``lipschitz.py`` | lipschitz: segment slopes, gradient norms, layer spectral norms |
| ``modes.py`` | modes: mixtures' modes covered, % high quality, KL to uniform |
| ``stacked.py`` | stacked: Stacked MNIST's modes (of 1000) and KL to uniform |
| ``images.py`` | fid, kid, pr, classes: in the features of otgan's own classifier |
| ``partition.py`` | partition: a dual critic's Laguerre cells against the target weights |
| ``latent.py`` | reconstruction, latent_classes, latent_knn: runs with an encoder |

The names below are imported on first use (PEP 562), so that checking metric names does not
load PyTorch.
"""

from .._lazy import lazy_face

_WHERE = {
    "METRICS": ".specs", "DataTraits": ".specs", "Row": ".specs", "check_names": ".specs",
    "metric_names": ".specs", "report_rows": ".specs", "headline_rows": ".specs",
    "REGISTRY": ".suite", "EvalContext": ".registry", "register": ".registry",
    "eval_mode": ".registry", "merge": ".registry", "compute": ".suite",
    "gradient_norm_stats": ".lipschitz", "input_gradient_norms": ".lipschitz",
    "layer_spectral_norms": ".lipschitz", "lipschitz_segments": ".lipschitz",
    "mode_coverage": ".modes", "OTNotConverged": ".ot", "energy_distance": ".ot",
    "sliced_wasserstein": ".ot", "wasserstein": ".ot", "wasserstein1": ".ot",
    "wasserstein2": ".ot"}
__getattr__, __dir__, __all__ = lazy_face(__name__, _WHERE)
