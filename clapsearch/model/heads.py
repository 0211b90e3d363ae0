"""The CLAP projection head and the symmetric contrastive loss."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ProjectionHead(nn.Module):
    """CLAP's head: Linear -> GELU -> Linear with dropout, a residual, then LayerNorm. (B, d_in) -> (B, d_out)."""

    def __init__(self, d_in: int, d_out: int, dropout: float = 0.5) -> None:
        super().__init__()
        if d_in <= 0 or d_out <= 0:
            raise ValueError(f"head sizes must be positive, got {d_in} -> {d_out}")
        self.linear1 = nn.Linear(d_in, d_out, bias=False)
        self.linear2 = nn.Linear(d_out, d_out, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.layer_norm = nn.LayerNorm(d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.linear1(x)
        e2 = self.dropout(self.linear2(F.gelu(e1)))
        return self.layer_norm(e1 + e2)


def contrastive_loss(audio: torch.Tensor, text: torch.Tensor, logit_scale: torch.Tensor,
                     same_label: torch.Tensor | None = None) -> torch.Tensor:
    """Return CLAP's symmetric cross-entropy over the (B, B) audio-text similarity matrix.

    audio, text: (B, D) L2-normalised; pair i is (audio[i], text[i]). same_label, if given, is a (B, B)
    bool matrix of pairs that share a caption label: those off-diagonal "negatives" are really positives,
    so they are masked out of both softmaxes instead of being pushed apart.
    """
    logits = logit_scale * audio @ text.t()  # (B, B)
    if same_label is not None:
        off_diagonal = same_label & ~torch.eye(len(audio), dtype=torch.bool, device=audio.device)
        logits = logits.masked_fill(off_diagonal, float("-inf"))
    target = torch.arange(len(audio), device=audio.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))
