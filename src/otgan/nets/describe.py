"""A network's layers with their output sizes and parameter counts (``otgan show RUN``; the
lab's second question, the sizes of the networks' inputs and outputs)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import parametrize


def _leaves(module: nn.Module):
    """(name, module) of the layers that compute: modules without children, and parametrized
    modules (a spectrally normalized layer) as one layer, not their parametrization."""
    for name, m in module.named_modules():
        if ".parametrizations" in f".{name}" or name.startswith("parametrizations"):
            continue
        if parametrize.is_parametrized(m) or not any(True for _ in m.children()):
            yield name, m


@torch.no_grad()
def layer_table(module: nn.Module, *inputs) -> list[dict]:
    """The layers ``module`` calls on ``inputs``, in call order: name, type, the shape of one
    sample's output, and the layer's own parameter count (one forward pass; training mode and
    every running statistic are left as they were)."""
    rows, hooks = [], []
    for name, m in _leaves(module):
        def hook(mod, args, out, name=name):
            shape = tuple(out.shape[1:]) if isinstance(out, torch.Tensor) else None
            kind = (type(mod).__bases__[0] if parametrize.is_parametrized(mod)
                    else type(mod)).__name__  # ParametrizedLinear is a Linear
            rows.append({"name": name or kind, "type": kind,
                         "output": shape, "params": sum(p.numel() for p in mod.parameters())})
        hooks.append(m.register_forward_hook(hook))
    was_training = module.training
    buffers = {k: v.clone() for k, v in module.state_dict().items()}
    module.eval()  # batch statistics are not touched in evaluation mode
    try:
        module(*inputs)
    finally:
        for h in hooks:
            h.remove()
        module.train(was_training)
        module.load_state_dict(buffers)
    return rows


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
