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


def semantic_targets(text_features: torch.Tensor, weight: float, temperature: float = 0.05,
                     same_label: torch.Tensor | None = None) -> torch.Tensor:
    """Return (B, B) soft targets for the contrastive loss: 1 - weight on each pair's own caption, and `weight`
    spread over the batch's other captions by a softmax of their text-tower cosine similarity.

    text_features: the text tower's (B, width) outputs before the head, whose geometry carries what the
    pretrained encoder knows about meaning. With hard targets every other caption of a batch is equally
    wrong, so "a hen clucking" is pushed from a rooster as far as from a drill; soft targets keep related
    concepts near each other, which is what lets a query for a concept seldom or never in the training data
    land beside its relatives. Pairs masked as same-label get no mass.
    """
    if not 0.0 <= weight < 1.0:
        raise ValueError(f"soft target weight must be in [0, 1), got {weight}")
    if temperature <= 0.0:
        raise ValueError(f"soft target temperature must be positive, got {temperature}")
    n = len(text_features)
    eye = torch.eye(n, dtype=torch.bool, device=text_features.device)
    t = F.normalize(text_features.float(), dim=-1)
    excluded = eye if same_label is None else eye | same_label
    sim = (t @ t.t() / temperature).masked_fill(excluded, float("-inf"))
    others = torch.nan_to_num(F.softmax(sim, dim=1), nan=0.0)  # a row with no other caption: all zero
    spread = torch.where(others.sum(dim=1, keepdim=True) > 0, torch.full_like(others[:, :1], weight), 0.0)
    return (1.0 - spread) * eye.float() + spread * others


def contrastive_loss(audio: torch.Tensor, text: torch.Tensor, logit_scale: torch.Tensor,
                     same_label: torch.Tensor | None = None, targets: torch.Tensor | None = None) -> torch.Tensor:
    """Return CLAP's symmetric cross-entropy over the (B, B) audio-text similarity matrix.

    audio, text: (B, D) L2-normalised; pair i is (audio[i], text[i]). same_label, if given, is a (B, B)
    bool matrix of pairs that share a caption label: those off-diagonal "negatives" are really positives,
    so they are masked out of both softmaxes instead of being pushed apart. targets, if given, are (B, B)
    soft targets (rows sum to 1, from semantic_targets) used in place of the identity in both directions.
    """
    logits = logit_scale * audio @ text.t()  # (B, B)
    if same_label is not None:
        off_diagonal = same_label & ~torch.eye(len(audio), dtype=torch.bool, device=audio.device)
        logits = logits.masked_fill(off_diagonal, float("-inf"))
    if targets is None:
        target = torch.arange(len(audio), device=audio.device)
        return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))

    def soft_ce(rows: torch.Tensor) -> torch.Tensor:
        logp = F.log_softmax(rows, dim=1)
        return -torch.where(targets > 0, targets * logp, 0.0).sum(dim=1).mean()

    # targets[i, j] weighs caption j for audio i, and audio j for caption i: the text-text similarity is symmetric
    return 0.5 * (soft_ce(logits) + soft_ce(logits.t()))
