"""LAION-CLAP's projection head: Linear -> ReLU -> Linear, no norm, no residual. (B, d_in) -> (B, d_out).

Named like LAION's nn.Sequential ("0", "2") so that audio_projection / text_projection load as they are.
"""
from __future__ import annotations

from torch import nn


class MlpHead(nn.Sequential):
    def __init__(self, d_in: int, d_out: int) -> None:
        if d_in <= 0 or d_out <= 0:
            raise ValueError(f"head sizes must be positive, got {d_in} -> {d_out}")
        super().__init__(nn.Linear(d_in, d_out), nn.ReLU(), nn.Linear(d_out, d_out))
