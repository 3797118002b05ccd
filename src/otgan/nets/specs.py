"""The networks' names, without PyTorch: the generator's input laws and the activations.

config.py offers these as the choices of ``latent`` and ``activation``; ``latent.py`` and
``mlp.py`` implement them under the same names.
"""

#: the generator's input distribution: N(0, I) or U[0, 1]^k (``latent.py``)
LATENTS = ("gaussian", "uniform")
#: hidden activations of the MLPs (``mlp.py``)
ACTIVATIONS = ("relu", "leaky_relu", "elu", "tanh", "softplus", "silu", "gelu")
#: how a point's latent code is found (``otgan encode --inversion``, ``training/latent.py``):
#: the encoder E(x) where the method trains one, else optimization (auto); or either explicitly
INVERSIONS = ("auto", "encoder", "optimize")
