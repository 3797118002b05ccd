import os

import matplotlib
import pytest
import torch
from hypothesis import settings

matplotlib.use("Agg")

# The suite is reproducible: the property tests draw the same examples on every run (CI fails
# only on a change). `make fuzz` draws new ones.
settings.register_profile("suite", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("OTGAN_HYPOTHESIS", "suite"))


@pytest.fixture(autouse=True)
def _one_thread():
    # Tests run as two xdist workers on two cores: one torch thread each.
    torch.set_num_threads(1)
    yield


def quick_config(**kw):
    """A small, fast configuration for tests (no evaluation unless asked)."""
    from otgan.api import make_config

    base = dict(data="ring", steps=20, batch_size=32, n_train=2000, n_test=1000, eval_every=0,
                eval_n=500, log_every=10, checkpoint_every=0)
    base.update(kw)
    return make_config(None, None, base)


@pytest.fixture(scope="session")
def shared_data_home(tmp_path_factory):
    """One OTGAN_DATA for the session: the digits classifier is trained once per worker."""
    import os

    path = tmp_path_factory.mktemp("otgan_data")
    old = os.environ.get("OTGAN_DATA")
    os.environ["OTGAN_DATA"] = str(path)
    yield path
    if old is None:
        os.environ.pop("OTGAN_DATA", None)
    else:
        os.environ["OTGAN_DATA"] = old
