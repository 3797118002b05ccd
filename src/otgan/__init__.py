"""otgan: generative modeling with optimal transport.

Train Wasserstein GANs with every classic Lipschitz mechanism, see what the critic learned, and
measure the result against the exact Wasserstein distance.
"""

from ._version import __version__
from .api import Run, fit_critic, load_run, make_config, resume, train
from .config import TrainConfig
from .data import Dataset, from_tensors, load_dataset
from .errors import OtganError
from .metrics import (energy_distance, sliced_wasserstein, wasserstein, wasserstein1,
                      wasserstein2)

__all__ = ["Dataset", "OtganError", "Run", "TrainConfig", "__version__", "energy_distance",
           "fit_critic",
           "from_tensors", "load_dataset", "load_run", "make_config", "resume",
           "sliced_wasserstein", "train", "wasserstein", "wasserstein1", "wasserstein2"]
