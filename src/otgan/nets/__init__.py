"""Generator and critic networks: MLPs for points and images, the DCGAN pair for images; for
BiGAN, encoders and critics of (x, z) pairs.  ``specs.py`` names the latent laws and
activations without PyTorch; the names below are imported on first use (PEP 562)."""

from .._lazy import lazy_face

_WHERE = {"build_networks": ".build", "resolve_arch": ".build", "AUTO_LATENT": ".build",
          "MLP": ".mlp", "MLPCritic": ".mlp", "MLPGenerator": ".mlp",
          "DCGANGenerator": ".conv", "DCGANCritic": ".conv", "Bidirectional": ".encoder",
          "MLPEncoder": ".encoder", "DCGANEncoder": ".encoder", "has_encoder": ".encoder",
          "MLPJointCritic": ".joint", "DCGANJointCritic": ".joint"}
__getattr__, __dir__, __all__ = lazy_face(__name__, _WHERE)
