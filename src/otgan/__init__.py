"""otgan: generative modeling with optimal transport.

Train Wasserstein GANs with every classic Lipschitz mechanism, see what the critic learned, and
measure the result against the exact Wasserstein distance.
"""

__version__ = "0.1.0"

from .api import Run, load_run, resume, train  # noqa: E402
from .config import TrainConfig  # noqa: E402
from .data import Dataset, from_tensors, load_dataset  # noqa: E402
from .errors import OtganError  # noqa: E402
from .metrics import (energy_distance, sliced_wasserstein, wasserstein,  # noqa: E402
                      wasserstein1, wasserstein2)

__all__ = ["Dataset", "OtganError", "Run", "TrainConfig", "energy_distance", "from_tensors",
           "load_dataset", "load_run", "resume", "sliced_wasserstein", "train", "wasserstein",
           "wasserstein1", "wasserstein2"]
