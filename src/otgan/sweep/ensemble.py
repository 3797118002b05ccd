"""K GANs trained at once: stacked MLP weights, batched matrix products, one update for all.

Each member is first built exactly as a single run builds it (``build_run``: seeding, weight
initialization, spectral-norm vectors), then its weights are stacked along a leading member axis
and its random stream (the global torch RNG state right after building) moves into a private
``torch.Generator``.  The ensemble then replays, member by member, the draws a single run makes
in the same order (batch permutation, latent codes, interpolation weights), so that each member
ends where the same configuration trained alone ends, up to float rounding (tested).

Hyperparameters that change only numbers (learning rates, betas, clip, lambda, EMA decay, seed)
may differ between members: they become (K, 1) columns against the members' flat parameter
buffers (``FlatParams``).  Anything that changes shapes or
the program (method, batch size, n_critic, widths, data) must be equal within an ensemble; the
sweep runner groups members accordingly.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..config import critic_optimizer_kind
from ..errors import ConfigError
from ..nets.mlp import ACTIVATIONS, MLP
from ..training.loop import critic_updates
from ..training.run import Run, build_run
from ..training.state import BatchSampler

#: config fields that may differ between the members of one ensemble
PENALTY = ("wgan-gp", "wgan-lp")
BATCHABLE = frozenset({"lr_g", "lr_d", "beta1", "beta2", "clip", "gp_lambda", "ema", "seed"})
METHODS = ("gan", "gan-ns", "wgan-clip", "wgan-gp", "wgan-lp", "sngan")


def _linears(module: nn.Module) -> list[nn.Linear]:
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


class FlatParams:
    """Stacked tensors (K, ...) kept as views into one (K, P) buffer, a member per row.

    A single run's parameters are a handful of small tensors, and every optimizer rule or clip
    is one kernel per tensor; for the ensemble's stacked tensors the per-kernel overhead would
    dominate again.  With every tensor a view into ``flat``, an update, a clip or an EMA step is
    one kernel over all members and all layers, and a per-member hyperparameter is a (K, 1)
    column (``column``) that broadcasts along the row.  (The views' batch stride is P instead
    of the matrix size; batched matrix products take them at the same speed.)
    """

    def __init__(self, tensors: list[torch.Tensor]):
        self.k = tensors[0].shape[0]
        self.shapes = [t.shape for t in tensors]
        self.flat = torch.cat([t.detach().reshape(self.k, -1) for t in tensors], dim=1)
        self.tensors = [v.requires_grad_(True) for v in self.views(self.flat)]

    def views(self, flat: torch.Tensor) -> list[torch.Tensor]:
        """The stacked tensors of a buffer with this layout (``flat`` or, e.g., an EMA copy)."""
        out, off = [], 0
        for shape in self.shapes:
            n = shape[1:].numel()
            out.append(flat[:, off:off + n].view(shape))
            off += n
        return out

    def column(self, values) -> torch.Tensor:
        """Per-member values as a (K, 1) column that broadcasts against ``flat``."""
        return torch.as_tensor(values, dtype=torch.float32).reshape(self.k, 1)

    def grad(self, loss: torch.Tensor) -> torch.Tensor:
        """d loss / d flat, as one (K, P) buffer with the layout of ``flat``."""
        grads = torch.autograd.grad(loss, self.tensors)
        return torch.cat([g.reshape(self.k, -1) for g in grads], dim=1)


class StackedMLP:
    """Weights (K, out, in) and biases (K, out) of K identically shaped MLPs."""

    def __init__(self, mlps: list[nn.Module], activation: str, spectral: bool = False):
        for m in mlps:
            if not isinstance(m, MLP):
                raise ConfigError("sweeps train the MLP pair only (arch mlp, vector data)")
        layers = [_linears(m) for m in mlps]
        n = len(layers[0])
        self.spectral = spectral
        if spectral:  # the unnormalized weights and each layer's power-iteration vectors
            weights = [torch.stack([ls[i].parametrizations.weight.original.detach()
                                    for ls in layers]) for i in range(n)]
            pn = [[ls[i].parametrizations.weight[0] for ls in layers] for i in range(n)]
            self.u = [torch.stack([p._u for p in ps]).clone() for ps in pn]
            self.v = [torch.stack([p._v for p in ps]).clone() for ps in pn]
            self.eps = pn[0][0].eps
        else:
            weights = [torch.stack([ls[i].weight.detach() for ls in layers]) for i in range(n)]
        biases = [torch.stack([ls[i].bias.detach() for ls in layers]) for i in range(n)]
        self.params = FlatParams([t for pair in zip(weights, biases) for t in pair])
        self.weights, self.biases = self.params.tensors[0::2], self.params.tensors[1::2]
        self.act = ACTIVATIONS[activation]()

    def parameters(self) -> list[torch.Tensor]:
        return self.params.tensors

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


class StackedOptimizer:
    """Adam, RMSprop or SGD over a ``FlatParams`` buffer, each member with its own lr (and
    betas), following torch.optim's update rules (Adam: bias-corrected, eps 1e-8; RMSprop: alpha
    0.99, eps 1e-8).  Each rule is a few kernels over the whole buffer, in the same order of
    operations as the per-tensor rules, so the results are the same."""

    def __init__(self, params: FlatParams, kind: str, lr, beta1=None, beta2=None):
        self.params, self.kind, self.t = params, kind, 0
        self.lr = params.column(lr)
        if kind == "adam":
            self.b1, self.b2 = params.column(beta1), params.column(beta2)
            self.one_minus_b1, self.one_minus_b2 = 1 - self.b1, 1 - self.b2
            self.m = torch.zeros_like(params.flat)
        self.v = torch.zeros_like(params.flat)

    @torch.no_grad()
    def step(self, grad: torch.Tensor) -> None:
        """One update of every member given ``grad``, the gradient with the buffer's layout."""
        self.t += 1
        flat, g = self.params.flat, grad
        if self.kind == "sgd":
            flat.sub_(g * self.lr)
        elif self.kind == "rmsprop":
            self.v.mul_(0.99).addcmul_(g, g, value=0.01)
            update = g * self.lr
            update.div_(self.v.sqrt().add_(1e-8))
            flat.sub_(update)
        else:
            self.m.mul_(self.b1).add_(g * self.one_minus_b1)
            self.v.mul_(self.b2).add_(g * self.one_minus_b2 * g)
            bc1, bc2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
            denom = self.v.sqrt().div_(bc2.sqrt()).add_(1e-8)
            update = self.m * (self.lr / bc1)
            update.div_(denom)
            flat.sub_(update)


class StackedSampler(BatchSampler):
    """K members' batches at once: each member's permutation drawn from its own stream exactly
    when its single run's ``BatchSampler`` draws it (members share the data and batch size, so
    their epochs end together), then one gather for all members."""

    def __init__(self, data: torch.Tensor, batch_size: int, generators: list[torch.Generator]):
        super().__init__(data, batch_size)
        self.generators = generators

    def _permutation(self, n: int) -> torch.Tensor:
        """(K, n): one permutation per member, each from the member's stream."""
        return torch.stack([torch.randperm(n, generator=g) for g in self.generators])

    def _rows(self, idx: torch.Tensor) -> torch.Tensor:
        """(K, batch, ...) real samples (sweeps are not distributed)."""
        return self.data[idx]


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
            run = build_run(cfg, dataset)
            if run.device.type != "cpu":
                raise ConfigError("sweeps run on the CPU")
            gen = torch.Generator()
            gen.set_state(torch.get_rng_state())
            self.runs.append(run)
            self.rngs.append(gen)
        self.sampler = StackedSampler(self.runs[0].train_x, cfg0.batch_size, self.rngs)
        self.G = StackedMLP([r.generator for r in self.runs], cfg0.activation)
        self.D = StackedMLP([r.critic for r in self.runs], cfg0.activation,
                            spectral=cfg0.method == "sngan")
        col = lambda k: [getattr(c, k) for c in configs]  # noqa: E731
        betas = col("beta1"), col("beta2")
        kind_d = critic_optimizer_kind(cfg0)
        self.opt_g = StackedOptimizer(self.G.params, cfg0.optimizer, col("lr_g"), *betas)
        self.opt_d = StackedOptimizer(self.D.params, kind_d, col("lr_d"), *betas)
        self.clip = self.D.params.column(col("clip"))
        self.neg_clip = -self.clip
        self.gp_lambda = torch.tensor(col("gp_lambda"))
        self.decay = torch.tensor(col("ema"))
        self.ema = self.G.params.flat.clone() if (self.decay > 0).any() else None
        self.ema_weight = self.G.params.column(1 - self.decay)
        self.ema_started = False
        self.latent = self.runs[0].latent_dim
        self.step_count = 0

    @property
    def size(self) -> int:
        return len(self.configs)

    def _randn(self, shape) -> torch.Tensor:
        return torch.stack([torch.randn(shape, generator=g) for g in self.rngs])

    # -- losses: per member, shape (K,) -------------------------------------------------------
    def _interpolation_weights(self, b: int) -> torch.Tensor | None:
        """The penalty methods' per-sample weights (K, b, 1), drawn as a single run draws them."""
        if self.cfg.method not in PENALTY:
            return None
        return torch.stack([torch.rand((b, 1), generator=g) for g in self.rngs])

    def critic_losses(self, real: torch.Tensor, fake: torch.Tensor,
                      alpha: torch.Tensor | None = None) -> torch.Tensor:
        method, b = self.cfg.method, real.shape[1]
        if method in PENALTY:
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
            # The generator is fixed during the critic updates: draw their random numbers in a
            # single run's order, then generate every fake batch in one forward pass.
            draws = [(self.sampler.next(), self._randn((B, self.latent)),
                      self._interpolation_weights(B))
                     for _ in range(critic_updates(cfg, self.step_count))]
            with torch.no_grad():
                fakes = self.G(torch.cat([z for _, z, _ in draws], 1)).split(B, 1)
            for (real, _, alpha), fake in zip(draws, fakes):
                loss = self.critic_losses(real, fake, alpha).sum()
                self.opt_d.step(self.D.params.grad(loss))
                if cfg.method == "wgan-clip":
                    flat = self.D.params.flat
                    # two broadcast passes; torch.clamp with tensor bounds was 7x slower
                    torch.maximum(flat, self.neg_clip, out=flat)
                    torch.minimum(flat, self.clip, out=flat)
            z = self._randn((B, self.latent))
            loss = self.generator_losses(self.D(self.G(z)).squeeze(2)).sum()
            self.opt_g.step(self.G.params.grad(loss))
            self._update_ema()
            self.step_count += 1

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.ema is None:
            return
        if self.ema_started:
            self.ema.lerp_(self.G.params.flat, self.ema_weight)
        else:
            self.ema.copy_(self.G.params.flat)
        self.ema_started = True

    # -- results --------------------------------------------------------------------------
    @torch.no_grad()
    def member_state(self, k: int) -> dict:
        """Member k's generator weights (EMA where its config has one), critic weights."""
        g = (self.G.params.views(self.ema) if self.ema is not None and self.decay[k] > 0
             else self.G.parameters())
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
