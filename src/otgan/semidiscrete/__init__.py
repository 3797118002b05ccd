"""Semi-discrete optimal transport: c-transforms, Laguerre cells, averaged SGD on the dual."""

from .asgd import AveragedSGD
from .critic import SemiDiscreteCritic
from .ctransform import assign, c_transform
from .solver import SemiDiscreteResult, solve
from .step import cost_scale, dual_preconditioner

__all__ = ["AveragedSGD", "SemiDiscreteCritic", "SemiDiscreteResult", "assign", "c_transform",
           "cost_scale", "dual_preconditioner", "solve"]
