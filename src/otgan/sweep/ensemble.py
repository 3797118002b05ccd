"""K GANs trained at once: stacked MLP weights, batched matrix products, one update for all.

Each member is first built exactly as a single run builds it (``start_run``: seeding, weight
initialization, spectral-norm vectors), then its weights are stacked along a leading member axis
and its random stream (the global torch RNG state right after building) moves into a private
``torch.Generator``.  The ensemble then replays, member by member, the draws a single run makes
in the same order (batch permutation, latent codes, interpolation weights), so that each member
ends where the same configuration trained alone ends, up to float rounding (tested).

Hyperparameters that change only numbers (learning rates, betas, clip, lambda, EMA decay, seed)
may differ between members: they become (K, 1, 1) tensors.  Anything that changes shapes or
the program (method, batch size, n_critic, widths, data) must be equal within an ensemble; the
sweep runner groups members accordingly.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError
from ..nets.mlp import ACTIVATIONS, MLP
from ..training.loop import critic_updates
from ..training.run import Run, start_run
from ..training.state import BatchSampler

#: config fields that may differ between the members of one ensemble
BATCHABLE = frozenset({"lr_g", "lr_d", "beta1", "beta2", "clip", "gp_lambda", "ema", "seed"})
METHODS = ("gan", "gan-ns", "wgan-clip", "wgan-gp", "wgan-lp", "sngan")


def _linears(module: nn.Module) -> list[nn.Linear]:
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


class StackedMLP:
    """Weights (K, out, in) and biases (K, out) of K identically shaped MLPs."""

    def __init__(self, mlps: list[nn.Module], activation: str, spectral: bool = False):
        for m in mlps:
            if not isinstance(m, MLP):
                raise ConfigError("sweeps train the MLP pair only (arch mlp, vector data)")
        layers = [_linears(m) for m in mlps]
        self.spectral = spectral
        if spectral:  # the unnormalized weights and each layer's power-iteration vectors
            self.weights = [torch.stack([ls[i].parametrizations.weight.original.detach()
                                         for ls in layers]) for i in range(len(layers[0]))]
            pn = [[ls[i].parametrizations.weight[0] for ls in layers]
                  for i in range(len(layers[0]))]
            self.u = [torch.stack([p._u for p in ps]).clone() for ps in pn]
            self.v = [torch.stack([p._v for p in ps]).clone() for ps in pn]
            self.eps = pn[0][0].eps
        else:
            self.weights = [torch.stack([ls[i].weight.detach() for ls in layers])
                            for i in range(len(layers[0]))]
        self.biases = [torch.stack([ls[i].bias.detach() for ls in layers])
                       for i in range(len(layers[0]))]
        for t in self.parameters():
            t.requires_grad_(True)
        self.act = ACTIVATIONS[activation]()

    def parameters(self) -> list[torch.Tensor]:
        return [t for pair in zip(self.weights, self.biases) for t in pair]

    def _normalized(self, i: int) -> torch.Tensor:
        """W / sigma(W) after one power iteration, as torch's spectral_norm does in training."""
        w = self.weights[i]
        with torch.no_grad():
            self.u[i] = F.normalize(torch.bmm(w, self.v[i].unsqueeze(2)).squeeze(2), dim=1,
                                    eps=self.eps)
            self.v[i] = F.normalize(torch.bmm(w.transpose(1, 2), self.u[i].unsqueeze(2))
                                    .squeeze(2), dim=1, eps=self.eps)
        sigma = (self.u[i] * torch.bmm(w, self.v[i].unsqueeze(2)).squeeze(2)).sum(1)
        return w / sigma[:, None, None]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """x: (K, N, in) -> (K, N, out)."""
        last = len(self.weights) - 1
        for i, b in enumerate(self.biases):
            w = self._normalized(i) if self.spectral else self.weights[i]
            x = torch.baddbmm(b.unsqueeze(1), x, w.transpose(1, 2))
            if i < last:
                x = self.act(x)
        return x


def _column(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32).view(-1, 1, 1)


class StackedOptimizer:
    """Adam, RMSprop or SGD over stacked tensors, each member with its own lr (and betas),
    following torch.optim's update rules (Adam: bias-corrected, eps 1e-8; RMSprop: alpha 0.99,
    eps 1e-8)."""

    def __init__(self, params: list[torch.Tensor], kind: str, lr, beta1=None, beta2=None):
        self.params, self.kind, self.t = params, kind, 0
        self.lr = _column(lr)
        self.lr_cols = self._cols(self.lr)
        if kind == "adam":
            self.b1, self.b2 = _column(beta1), _column(beta2)
            self.b1_cols, self.b2_cols = self._cols(self.b1), self._cols(self.b2)
            self.one_minus_b1, self.one_minus_b2 = self._cols(1 - self.b1), self._cols(1 - self.b2)
            self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    def _cols(self, c: torch.Tensor) -> list[torch.Tensor]:
        """Per-member column ``c`` shaped to broadcast against each parameter."""
        return [c.view((-1,) + (1,) * (p.dim() - 1)) for p in self.params]

    @torch.no_grad()
    def step(self) -> None:
        """One update of every parameter, as multi-tensor (``torch._foreach_*``) operations in
        the same order as the per-tensor rules, so the results are the same."""
        self.t += 1
        ps, gs, lr = self.params, [p.grad for p in self.params], self.lr_cols
        if self.kind == "sgd":
            torch._foreach_sub_(ps, torch._foreach_mul(gs, lr))
        elif self.kind == "rmsprop":
            torch._foreach_mul_(self.v, 0.99)
            torch._foreach_addcmul_(self.v, gs, gs, value=0.01)
            denom = torch._foreach_sqrt(self.v)
            torch._foreach_add_(denom, 1e-8)
            update = torch._foreach_mul(gs, lr)
            torch._foreach_div_(update, denom)
            torch._foreach_sub_(ps, update)
        else:
            torch._foreach_mul_(self.m, self.b1_cols)
            torch._foreach_add_(self.m, torch._foreach_mul(gs, self.one_minus_b1))
            torch._foreach_mul_(self.v, self.b2_cols)
            g2 = torch._foreach_mul(gs, self.one_minus_b2)
            torch._foreach_mul_(g2, gs)
            torch._foreach_add_(self.v, g2)
            bc1, bc2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
            denom = torch._foreach_sqrt(self.v)
            torch._foreach_div_(denom, self._cols(bc2.sqrt()))
            torch._foreach_add_(denom, 1e-8)
            update = torch._foreach_mul(self.m, self._cols(self.lr / bc1))
            torch._foreach_div_(update, denom)
            torch._foreach_sub_(ps, update)
        for p in ps:
            p.grad = None


class Ensemble:
    """Members (configs differing only in BATCHABLE fields) trained in lockstep."""

    def __init__(self, configs: list, dataset):
        first = configs[0].to_dict()
        for cfg in configs[1:]:
            diff = sorted(k for k, v in cfg.to_dict().items()
                          if v != first[k] and k not in BATCHABLE)
            if diff:
                raise ConfigError(f"ensemble members differ in {diff[0]}, which changes the "
                                  f"program; group them into separate ensembles")
        self.cfg = cfg0 = configs[0]
        if cfg0.method not in METHODS:
            raise ConfigError(f"sweeps support {', '.join(METHODS)}; {cfg0.method} runs alone")
        self.configs = configs
        self.runs: list[Run] = []
        self.rngs: list[torch.Generator] = []
        for cfg in configs:
            run = start_run(cfg, dataset)
            if run.device.type != "cpu":
                raise ConfigError("sweeps run on the CPU")
            gen = torch.Generator()
            gen.set_state(torch.get_rng_state())
            self.runs.append(run)
            self.rngs.append(gen)
        train = self.runs[0].state.sampler.data
        self.samplers = [BatchSampler(train, cfg0.batch_size, g) for g in self.rngs]
        self.G = StackedMLP([r.generator for r in self.runs], cfg0.activation)
        self.D = StackedMLP([r.critic for r in self.runs], cfg0.activation,
                            spectral=cfg0.method == "sngan")
        col = lambda k: [getattr(c, k) for c in configs]  # noqa: E731
        betas = (col("beta1"), col("beta2")) if cfg0.optimizer == "adam" else (None, None)
        self.opt_g = StackedOptimizer(self.G.parameters(), cfg0.optimizer, col("lr_g"), *betas)
        self.opt_d = StackedOptimizer(self.D.parameters(), cfg0.optimizer, col("lr_d"), *betas)
        self.clip = _column(col("clip"))
        self.gp_lambda = torch.tensor(col("gp_lambda"))
        self.decay = torch.tensor(col("ema"))
        self.ema = ([w.detach().clone() for w in self.G.parameters()]
                    if (self.decay > 0).any() else None)
        self.ema_started = False
        self.latent = self.runs[0].latent_dim
        self.step_count = 0

    @property
    def size(self) -> int:
        return len(self.configs)

    def _randn(self, shape) -> torch.Tensor:
        return torch.stack([torch.randn(shape, generator=g) for g in self.rngs])

    # -- losses: per member, shape (K,) -------------------------------------------------------
    def critic_losses(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        method, b = self.cfg.method, real.shape[1]
        if method in ("wgan-gp", "wgan-lp"):
            alpha = torch.stack([torch.rand((b, 1), generator=g) for g in self.rngs])
            x_hat = torch.lerp(real, fake, alpha).requires_grad_(True)
            out = self.D(torch.cat([real, fake], 1)).squeeze(2)
            (grad,) = torch.autograd.grad(self.D(x_hat).sum(), x_hat, create_graph=True)
            excess = torch.linalg.vector_norm(grad, dim=2) - 1
            if method == "wgan-lp":
                excess = excess.clamp_min(0)
            penalty = (excess ** 2).mean(1)
            return out[:, b:].mean(1) - out[:, :b].mean(1) + self.gp_lambda * penalty
        out = self.D(torch.cat([real, fake], 1)).squeeze(2)
        d_real, d_fake = out[:, :b], out[:, b:]
        if method in ("gan", "gan-ns"):
            return F.softplus(-d_real).mean(1) + F.softplus(d_fake).mean(1)
        if method == "sngan" and self.cfg.sn_loss == "hinge":
            return F.relu(1 - d_real).mean(1) + F.relu(1 + d_fake).mean(1)
        return d_fake.mean(1) - d_real.mean(1)

    def generator_losses(self, scores: torch.Tensor) -> torch.Tensor:
        if self.cfg.method == "gan":
            return -F.softplus(scores).mean(1)
        if self.cfg.method == "gan-ns":
            return F.softplus(-scores).mean(1)
        return -scores.mean(1)

    # -- training -------------------------------------------------------------------------
    def train(self, steps: int) -> None:
        """``steps`` more generator updates for every member."""
        cfg, B = self.cfg, self.cfg.batch_size
        for _ in range(steps):
            for _ in range(critic_updates(cfg, self.step_count)):
                real = torch.stack([s.next() for s in self.samplers])
                z = self._randn((B, self.latent))
                with torch.no_grad():
                    fake = self.G(z)
                self.critic_losses(real, fake).sum().backward()
                self.opt_d.step()
                if cfg.method == "wgan-clip":
                    with torch.no_grad():
                        for p in self.D.parameters():
                            torch.clamp(p, -self._col(p), self._col(p), out=p)
            z = self._randn((B, self.latent))
            for p in self.D.parameters():
                p.requires_grad_(False)
            self.generator_losses(self.D(self.G(z)).squeeze(2)).sum().backward()
            for p in self.D.parameters():
                p.requires_grad_(True)
            self.opt_g.step()
            self._update_ema()
            self.step_count += 1

    def _col(self, p: torch.Tensor) -> torch.Tensor:
        return self.clip.view((-1,) + (1,) * (p.dim() - 1))

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.ema is None:
            return
        for e, p in zip(self.ema, self.G.parameters()):
            if not self.ema_started:
                e.copy_(p)
            else:
                w = (1 - self.decay).view((-1,) + (1,) * (p.dim() - 1))
                e.lerp_(p, w)
        self.ema_started = True

    # -- results --------------------------------------------------------------------------
    @torch.no_grad()
    def member_state(self, k: int) -> dict:
        """Member k's generator weights (EMA where its config has one), critic weights."""
        g = self.ema if self.ema is not None and self.decay[k] > 0 else self.G.parameters()
        d = self.D.parameters()
        return {"generator": [t[k].clone() for t in g], "critic": [t[k].clone() for t in d]}

    @torch.no_grad()
    def sample(self, k: int, z: torch.Tensor) -> torch.Tensor:
        """Member k's samples (data coordinates) for latent codes z (n, latent)."""
        w = self.member_state(k)["generator"]
        x = z
        for i in range(0, len(w), 2):
            x = F.linear(x, w[i], w[i + 1])
            if i < len(w) - 2:
                x = self.G.act(x)
        return self.runs[k].normalizer.decode(x)
