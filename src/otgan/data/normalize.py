"""Optional per-coordinate standardization between data coordinates and model coordinates."""

from __future__ import annotations

import torch


class Normalizer:
    """x_model = (x_data - mean) / std; identity when built with ``None``."""

    def __init__(self, mean: torch.Tensor | None = None, std: torch.Tensor | None = None):
        self.mean, self.std = mean, std

    @classmethod
    def fit(cls, x: torch.Tensor, kind: str) -> "Normalizer":
        if kind == "none":
            return cls()
        mean = x.mean(dim=0)
        std = x.std(dim=0).clamp_min(1e-8)
        return cls(mean, std)

    @property
    def active(self) -> bool:
        return self.mean is not None

    def to(self, device) -> "Normalizer":
        if self.active:
            return Normalizer(self.mean.to(device), self.std.to(device))
        return self

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        if not self.active:
            return x
        return (x - self.mean.to(x.device)) / self.std.to(x.device)

    def decode(self, x: torch.Tensor) -> torch.Tensor:
        if not self.active:
            return x
        return x * self.std.to(x.device) + self.mean.to(x.device)

    def state_dict(self) -> dict:
        return {"mean": self.mean, "std": self.std}

    @classmethod
    def from_state_dict(cls, sd: dict | None) -> "Normalizer":
        sd = sd or {}
        return cls(sd.get("mean"), sd.get("std"))
