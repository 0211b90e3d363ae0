"""A low-rank adapter over the audio tower's last feature map: the part of the tower that trains on top of
cached, frozen lower layers.

aisfx's EmbeddingNet ends by averaging its last block's map over mel bands, (B, 512, frames), then taking
the maximum over frames. The adapter sits between the two: a residual bottleneck (512 -> rank, a temporal
convolution over neighbouring frames, rank -> 512) added to each frame before the maximum. Its last layer
starts at zero, so an untrained adapter gives the frozen tower's features exactly; training moves what
each frame contributes and how neighbouring frames combine (onsets, short words), which max pooling of the
frozen map cannot learn. The frames are what the trainer caches, so the adapter trains at the cost of the
heads, not of the CNN.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class FrameAdapter(nn.Module):
    """(B, width, frames) tower map -> (B, width) features: residual low-rank temporal adapter, max over frames."""

    def __init__(self, width: int, rank: int, kernel: int = 3) -> None:
        super().__init__()
        if rank <= 0 or kernel <= 0 or kernel % 2 == 0:
            raise ValueError(f"adapter rank must be positive and kernel odd, got rank {rank}, kernel {kernel}")
        self.down = nn.Conv1d(width, rank, 1)
        self.mix = nn.Conv1d(rank, rank, kernel, padding=kernel // 2)
        self.up = nn.Conv1d(rank, width, 1, bias=False)
        nn.init.zeros_(self.up.weight)  # starts as the identity: the frozen tower's own features

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        if frames.dim() != 3:
            raise ValueError(f"the adapter takes the tower's (batch, width, frames) map, got {tuple(frames.shape)}")
        x = frames + self.up(F.gelu(self.mix(F.gelu(self.down(frames)))))
        return x.max(dim=2).values
