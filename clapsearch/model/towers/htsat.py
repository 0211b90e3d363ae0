"""HTS-AT (Chen et al. 2022): a Swin transformer over the log-mel map, as msclap-2023 and LAION-CLAP use it.

log-mel (batch, frames, 64) -> (batch, width), the mean of the last stage's normalised tokens (the
references' "latent_output" / "embedding"). With fusion (LAION's aff_2d), audio longer than one clip
is seen as one global view (the whole map squeezed to a clip) plus three local chunks, fused after the
patch embedding. Parameter names follow the published checkpoints (patch_embed, layers.N.blocks.M,
norm, bn0, fusion_model...); the classification head (tscam_conv, head) is not needed for embeddings.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def window_partition(x: torch.Tensor, size: int) -> torch.Tensor:
    """(B, H, W, C) -> (B * windows, size, size, C)."""
    B, H, W, C = x.shape
    x = x.view(B, H // size, size, W // size, size, C)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, size, size, C)


def window_reverse(windows: torch.Tensor, size: int, H: int, W: int) -> torch.Tensor:
    """(B * windows, size, size, C) -> (B, H, W, C)."""
    B = int(windows.shape[0] / (H * W / size / size))
    x = windows.view(B, H // size, W // size, size, size, -1)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(B, H, W, -1)


def relative_position_index(size: int) -> torch.Tensor:
    """Return the (size², size²) index into the relative position bias table (Swin)."""
    coords = torch.stack(torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()  # (N, N, 2)
    rel[:, :, 0] += size - 1
    rel[:, :, 1] += size - 1
    rel[:, :, 0] *= 2 * size - 1
    return rel.sum(-1)


def shifted_window_mask(H: int, W: int, size: int, shift: int) -> torch.Tensor:
    """Return the (windows, size², size²) additive mask (0 / -100) of shifted-window attention."""
    img = torch.zeros((1, H, W, 1))
    cnt = 0
    for h in (slice(0, -size), slice(-size, -shift), slice(-shift, None)):
        for w in (slice(0, -size), slice(-size, -shift), slice(-shift, None)):
            img[:, h, w, :] = cnt
            cnt += 1
    windows = window_partition(img, size).view(-1, size * size)
    mask = windows.unsqueeze(1) - windows.unsqueeze(2)
    return mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0)


class WindowAttention(nn.Module):
    relative_position_index: torch.Tensor  # a buffer, registered in __init__

    def __init__(self, dim: int, size: int, heads: int) -> None:
        super().__init__()
        self.heads, self.size, self.scale = heads, size, (dim // heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * size - 1) ** 2, heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        self.register_buffer("relative_position_index", relative_position_index(size), persistent=False)
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]  # (B_, heads, N, head_dim)
        attn = q @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(N, N, -1)
        attn = attn + bias.permute(2, 0, 1).unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.heads, N, N)
        x = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(B_, N, C)
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class SwinBlock(nn.Module):
    def __init__(self, dim: int, resolution: tuple[int, int], heads: int, window: int, shift: int,
                 mlp_ratio: float) -> None:
        super().__init__()
        if min(resolution) <= window:  # the window covers the map: no partition, no shift
            window, shift = min(resolution), 0
        self.resolution, self.window, self.shift = resolution, window, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, window, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        mask = shifted_window_mask(*resolution, window, shift) if shift > 0 else None
        self.register_buffer("attn_mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        H, W = self.resolution
        B, L, C = x.shape
        shortcut = x
        x = self.norm1(x).view(B, H, W, C)
        if self.shift:
            x = torch.roll(x, shifts=(-self.shift, -self.shift), dims=(1, 2))
        windows = window_partition(x, self.window).view(-1, self.window * self.window, C)
        windows = self.attn(windows, self.attn_mask).view(-1, self.window, self.window, C)
        x = window_reverse(windows, self.window, H, W)
        if self.shift:
            x = torch.roll(x, shifts=(self.shift, self.shift), dims=(1, 2))
        x = shortcut + x.reshape(B, H * W, C)
        return x + self.mlp(self.norm2(x))


class PatchMerging(nn.Module):
    def __init__(self, resolution: tuple[int, int], dim: int) -> None:
        super().__init__()
        self.resolution = resolution
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = nn.LayerNorm(4 * dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        H, W = self.resolution
        B, L, C = x.shape
        x = x.view(B, H, W, C)
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return self.reduction(self.norm(x.view(B, -1, 4 * C)))  # (B, H/2 * W/2, 2C)


class Stage(nn.Module):
    """One Swin stage (the references' BasicLayer): blocks with alternating shifts, then patch merging."""

    def __init__(self, dim: int, resolution: tuple[int, int], depth: int, heads: int, window: int,
                 mlp_ratio: float, downsample: bool) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([
            SwinBlock(dim, resolution, heads, window, 0 if i % 2 == 0 else window // 2, mlp_ratio)
            for i in range(depth)])
        self.downsample = PatchMerging(resolution, dim) if downsample else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return self.downsample(x) if self.downsample is not None else x


def _attention_branch(channels: int, inner: int, pooled: bool) -> nn.Sequential:
    layers: list[nn.Module] = [nn.AdaptiveAvgPool2d(1)] if pooled else []
    layers += [nn.Conv2d(channels, inner, 1), nn.BatchNorm2d(inner), nn.ReLU(inplace=True),
               nn.Conv2d(inner, channels, 1), nn.BatchNorm2d(channels)]
    return nn.Sequential(*layers)


class AFF(nn.Module):
    """Attentional feature fusion (Dai et al. 2021), LAION's aff_2d: 2·x·w + 2·r·(1 - w)."""

    def __init__(self, channels: int, r: int = 4) -> None:
        super().__init__()
        self.local_att = _attention_branch(channels, channels // r, pooled=False)
        self.global_att = _attention_branch(channels, channels // r, pooled=True)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        xa = x + residual
        weight = torch.sigmoid(self.local_att(xa) + self.global_att(xa))
        return 2 * x * weight + 2 * residual * (1 - weight)


class PatchEmbed(nn.Module):
    def __init__(self, size: int, patch: int, stride: int, dim: int, fusion: bool) -> None:
        super().__init__()
        padding = ((patch - stride) // 2, (patch - stride) // 2)
        self.proj = nn.Conv2d(1, dim, kernel_size=patch, stride=stride, padding=padding)
        self.norm = nn.LayerNorm(dim)
        self.fusion = fusion
        if fusion:
            self.mel_conv2d = nn.Conv2d(1, dim, kernel_size=(patch, patch * 3), stride=(stride, stride * 3),
                                        padding=padding)
            self.fusion_model = AFF(dim)

    def forward(self, x: torch.Tensor, longer: torch.Tensor | None = None) -> torch.Tensor:
        """(B, C, S, S) image(s), C = 1, or 4 with fusion (global + 3 local) -> (B, tokens, dim)."""
        out = self.proj(x[:, 0:1])  # (B, dim, S/stride, S/stride)
        if self.fusion and longer is not None and bool(longer.any()):
            idx = torch.where(longer)[0]
            local = x[idx, 1:].contiguous()
            B, C, H, W = local.shape
            local = self.mel_conv2d(local.view(B * C, 1, H, W))
            local = local.view(B, C, *local.shape[1:]).permute(0, 2, 3, 1, 4).contiguous().flatten(3)
            width = out.shape[-1]
            local = F.pad(local, (0, max(width - local.shape[-1], 0)))[..., :width]
            out = out.clone()
            out[idx] = self.fusion_model(out[idx], local)
        return self.norm(out.flatten(2).transpose(1, 2))


def fusion_views(mel: torch.Tensor, chunk_frames: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, frames, mels) -> ((B, 4, chunk_frames, mels), longer (B,)): LAION's global + local views.

    A map no longer than a clip is its own four views. A longer one gives the whole map squeezed to a
    clip (bilinear, antialiased: torchvision's Resize) and three clip-long chunks, one from each third
    of the possible starts. LAION draws each start at random; we take the middle one, so that an
    embedding does not change from one run to the next.
    """
    B, T, M = mel.shape
    if T <= chunk_frames:
        mel = F.pad(mel, (0, 0, 0, chunk_frames - T))
        return mel.unsqueeze(1).expand(B, 4, chunk_frames, M).contiguous(), torch.zeros(B, dtype=torch.bool)
    thirds = np.array_split(np.arange(T - chunk_frames + 1), 3)
    starts = [int(r[len(r) // 2]) if len(r) else 0 for r in thirds]
    squeezed = F.interpolate(mel.unsqueeze(1), size=(chunk_frames, M), mode="bilinear", align_corners=False,
                             antialias=True)  # (B, 1, chunk, mels)
    chunks = [mel[:, s:s + chunk_frames].unsqueeze(1) for s in starts]
    return torch.cat([squeezed, *chunks], dim=1), torch.ones(B, dtype=torch.bool)


def to_image(x: torch.Tensor, spec_size: int, freq_ratio: int) -> torch.Tensor:
    """(B, C, frames, mels) -> (B, C, spec_size, spec_size): stretch time to spec_size·freq_ratio frames
    (bicubic), then fold it into freq_ratio rows of mel bands (the references' reshape_wav2img)."""
    target_t, target_f = spec_size * freq_ratio, spec_size // freq_ratio
    if x.shape[2] > target_t or x.shape[3] > target_f:
        raise ValueError(f"HTSAT takes at most {target_t} frames x {target_f} mels, got {tuple(x.shape[2:])}")
    if x.shape[2] < target_t:
        x = F.interpolate(x, (target_t, x.shape[3]), mode="bicubic", align_corners=True)
    if x.shape[3] < target_f:
        x = F.interpolate(x, (x.shape[2], target_f), mode="bicubic", align_corners=True)
    x = x.permute(0, 1, 3, 2).contiguous()  # (B, C, mels, frames)
    x = x.reshape(x.shape[0], x.shape[1], x.shape[2], freq_ratio, x.shape[3] // freq_ratio)
    x = x.permute(0, 1, 3, 2, 4).contiguous()
    return x.reshape(x.shape[0], x.shape[1], x.shape[2] * x.shape[3], x.shape[4])


class Htsat(nn.Module):
    """HTS-AT's Swin encoder: log-mel (batch, frames, mels) -> (batch, embed_dim · 2^(stages-1))."""

    def __init__(self, n_mels: int = 64, embed_dim: int = 96, depths: tuple[int, ...] = (2, 2, 6, 2),
                 num_heads: tuple[int, ...] = (4, 8, 16, 32), window_size: int = 8, spec_size: int = 256,
                 patch_size: int = 4, patch_stride: int = 4, mlp_ratio: float = 4.0, fusion: str | None = None,
                 chunk_frames: int | None = None) -> None:
        super().__init__()
        if fusion not in (None, "aff_2d"):
            raise ValueError(f"unknown HTSAT fusion {fusion!r}: use null or 'aff_2d' (LAION's)")
        if spec_size % n_mels or len(depths) != len(num_heads):
            raise ValueError(f"HTSAT needs spec_size a multiple of n_mels and one head count per stage, got "
                             f"spec_size {spec_size}, n_mels {n_mels}, depths {depths}, heads {num_heads}")
        if fusion and not chunk_frames:
            raise ValueError("HTSAT fusion needs chunk_frames (the frames of one clip)")
        self.spec_size, self.freq_ratio = spec_size, spec_size // n_mels
        self.fusion, self.chunk_frames = fusion, chunk_frames
        self.bn0 = nn.BatchNorm2d(n_mels)
        self.patch_embed = PatchEmbed(spec_size, patch_size, patch_stride, embed_dim, fusion is not None)
        grid = spec_size // patch_stride
        self.layers = nn.ModuleList([
            Stage(embed_dim * 2 ** i, (grid // 2 ** i, grid // 2 ** i), depth, num_heads[i], window_size,
                  mlp_ratio, downsample=i < len(depths) - 1)
            for i, depth in enumerate(depths)])
        self.width = embed_dim * 2 ** (len(depths) - 1)
        self.norm = nn.LayerNorm(self.width)
        self.apply(_init_weights)

    @classmethod
    def from_arch(cls, arch: dict[str, Any], n_mels: int, chunk_frames: int) -> Htsat:
        known = {"embed_dim", "depths", "num_heads", "window_size", "spec_size", "patch_size", "patch_stride",
                 "mlp_ratio", "fusion"}
        unknown = set(arch) - known
        if unknown:
            raise ValueError(f"unknown HTSAT settings {sorted(unknown)}: use {sorted(known)}")
        args: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in arch.items()}
        return cls(n_mels=n_mels, chunk_frames=chunk_frames, **args)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        longer = None
        if self.fusion:
            assert self.chunk_frames is not None  # __init__ refuses fusion without chunk_frames
            x, longer = fusion_views(mel, self.chunk_frames)  # (B, 4, chunk, mels)
        else:
            x = mel.unsqueeze(1)  # (B, 1, frames, mels)
        x = self.bn0(x.transpose(1, 3)).transpose(1, 3)
        x = self.patch_embed(to_image(x, self.spec_size, self.freq_ratio), longer)
        for layer in self.layers:
            x = layer(x)
        return self.norm(x).mean(dim=1)  # (B, width): mean over all tokens


def _init_weights(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)
