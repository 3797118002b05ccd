"""Generator and critic networks."""

from .mlp import MLP, MLPCritic, MLPGenerator


def build_networks(cfg, data_dim: int):
    """The generator and critic named by ``cfg`` for data of dimension ``data_dim``."""
    g = MLPGenerator(cfg.latent_dim, data_dim, cfg.g_hidden, cfg.activation)
    d = MLPCritic(data_dim, cfg.d_hidden, cfg.activation)
    return g, d


__all__ = ["MLP", "MLPCritic", "MLPGenerator", "build_networks"]
