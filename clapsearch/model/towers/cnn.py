"""The 2-D CNNs of the audio towers: aisfx's EmbeddingNet (DCASE cross-task baseline) and PANNs' CNN14.

Parameter names follow the published checkpoints so that their state dicts load as they are.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ConvBlock(nn.Module):
    """Two 3x3 conv + batch-norm + ReLU layers, then pooling."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, 1, 1, bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        for conv in (self.conv1, self.conv2):
            nn.init.kaiming_uniform_(conv.weight, nonlinearity="leaky_relu")

    def forward(self, x: torch.Tensor, pool_size: tuple[int, int] = (2, 2), pool_type: str = "avg") -> torch.Tensor:
        x = F.relu_(self.bn1(self.conv1(x)))
        x = F.relu_(self.bn2(self.conv2(x)))
        if pool_size == (1, 1):
            return x
        if pool_type == "max":
            return F.max_pool2d(x, pool_size)
        if pool_type == "avg":
            return F.avg_pool2d(x, pool_size)
        return F.avg_pool2d(x, pool_size) + F.max_pool2d(x, pool_size)


class EmbeddingNet(nn.Module):
    """aisfx's 8-layer CNN: log-mel (batch, frames, mels) -> (batch, 512), max-pooled over time (or, with
    pool False, the (batch, 512, frames) map before that maximum)."""

    def __init__(self, base_channels: int = 64) -> None:
        super().__init__()
        c = base_channels
        self.conv_block1 = ConvBlock(1, c)
        self.conv_block2 = ConvBlock(c, 2 * c)
        self.conv_block3 = ConvBlock(2 * c, 4 * c)
        self.conv_block4 = ConvBlock(4 * c, 8 * c)
        self.width = 8 * c
        self.pool = True  # False: return the (batch, channels, frames) map, for a trained adapter to pool
        self.with_block3 = False  # True: the third block's features too, pooled alike, after the last's

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = mel.unsqueeze(1)  # (batch, 1, frames, mels)
        x = self.conv_block1(x, (2, 2), "max")
        x = self.conv_block2(x, (2, 2), "max")
        x3 = self.conv_block3(x, (2, 2), "max")
        x = self.conv_block4(x3, (1, 1), "max")
        x = x.mean(dim=3)  # (batch, channels, frames)
        if self.with_block3:
            return torch.cat([x.max(dim=2).values, x3.mean(dim=3).max(dim=2).values], dim=1)
        return x.max(dim=2).values if self.pool else x


class Cnn14(nn.Module):
    """PANNs' CNN14 as used by CLAP: log-mel (batch, frames, mels) -> (batch, out_dim)."""

    def __init__(self, n_mels: int = 64, out_dim: int = 2048) -> None:
        super().__init__()
        self.bn0 = nn.BatchNorm2d(n_mels)
        widths = [1, 64, 128, 256, 512, 1024, 2048]
        for i in range(6):
            setattr(self, f"conv_block{i + 1}", ConvBlock(widths[i], widths[i + 1]))
        self.fc1 = nn.Linear(2048, out_dim)
        self.width = out_dim

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = mel.unsqueeze(1)  # (batch, 1, frames, mels)
        x = self.bn0(x.transpose(1, 3)).transpose(1, 3)
        for i in range(6):
            block = getattr(self, f"conv_block{i + 1}")
            x = block(x, (2, 2) if i < 5 else (1, 1), "avg")
            x = F.dropout(x, p=0.2, training=self.training)
        x = x.mean(dim=3)  # (batch, channels, frames)
        x = x.max(dim=2).values + x.mean(dim=2)
        x = F.dropout(x, p=0.5, training=self.training)
        return F.relu_(self.fc1(x))


class TinyCnn(nn.Module):
    """A two-block CNN for tests: log-mel (batch, frames, mels) -> (batch, width)."""

    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.conv_block1 = ConvBlock(1, 8)
        self.conv_block2 = ConvBlock(8, 16)
        self.fc = nn.Linear(16, width)
        self.width = width

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = self.conv_block1(mel.unsqueeze(1), (2, 2), "avg")
        x = self.conv_block2(x, (2, 2), "avg")
        x = x.mean(dim=3).max(dim=2).values  # (batch, 16)
        return self.fc(x)
