"""Semi-discrete optimal transport: c-transforms, Laguerre cells, averaged SGD on the dual."""

from .asgd import AveragedSGD
from .critic import SemiDiscreteCritic
from .ctransform import assign, c_transform
from .latent import LatentDual, LatentOT, extend, normal_angle, top_planes
from .solver import SemiDiscreteResult, dual_on_sample, primal_bound, solve
from .step import MultiscalePreconditioner, cost_scale, dual_preconditioner, multiscale_preconditioner

__all__ = ["AveragedSGD", "LatentDual", "LatentOT", "MultiscalePreconditioner",
           "SemiDiscreteCritic", "SemiDiscreteResult", "assign", "c_transform", "cost_scale", "dual_on_sample", "dual_preconditioner",
           "multiscale_preconditioner", "primal_bound", "solve", "extend", "normal_angle",
           "top_planes"]
