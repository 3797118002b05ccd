"""Metrics behind one registry (``registry.py``); each family module registers its own.

| name      | returns |
|-----------|---------|
| w1, w2    | exact W1 / W2 between generated and held-out points (POT network simplex) |
| sliced    | sliced W2 (for large N or high dimension) |
| energy    | energy distance |
| critic    | the critic's own estimate on held-out data (its method's ``estimate``: the gap
|           | E D(real) - E D(fake) for Wasserstein critics, JS for the GAN discriminator, ...)
| lipschitz | segment estimate (lip_mean, lip_max, ...), gradient norms at real/fake/interpolates,
|           | largest singular value of every critic layer (sigma_max, sigma_product, sigma_layers) |
| modes     | mixtures only: modes covered, % high-quality, KL of the mode histogram to uniform |
| fid       | labelled image sets: Frechet distance in the features of otgan's own classifier |
| kid       | kernel (MMD^2) distance in the same features, mean and std over subsets |
| pr        | k-NN (k = 3) manifold precision and recall in the same features |
| classes   | classes covered by generated images, KL of their class histogram to uniform, and the
|           | confidence score exp(E KL(p(y|x) || p(y))) |
| reconstruction | runs with an encoder: MSE of G(E(x)) on held-out x against G(z), z random |
| latent_classes | labelled images, with an encoder: G(E(x)) classified as x's label |
| latent_knn | labelled images, with an encoder: 1-NN class accuracy of E(x) features |

Importing a family module registers its metrics; the order below is the order of the table.
"""

from . import ot, critic, lipschitz, modes, images, partition, latent  # noqa: F401  (order)
from .lipschitz import (gradient_norm_stats, input_gradient_norms, layer_spectral_norms,
                        lipschitz_segments)
from .modes import mode_coverage
from .ot import (OTNotConverged, energy_distance, sliced_wasserstein, wasserstein,
                 wasserstein1, wasserstein2)
from .registry import (REGISTRY, DataTraits, EvalContext, Metric, Row, check_names, compute,
                       eval_mode, merge, metric_names, register,
                       report_rows)

__all__ = ["REGISTRY", "DataTraits", "EvalContext", "Metric", "OTNotConverged", "Row",
           "check_names", "compute", "energy_distance", "eval_mode",
           "gradient_norm_stats", "input_gradient_norms", "layer_spectral_norms",
           "lipschitz_segments", "merge", "metric_names", "mode_coverage", "register",
           "report_rows", "sliced_wasserstein", "wasserstein", "wasserstein1", "wasserstein2"]
