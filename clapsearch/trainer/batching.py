"""Which clips, crops and captions make up each training batch: random, or at most one clip per label group.

Every choice is drawn from a generator seeded by (seed, step), so a batch depends only on its step number:
an interrupted run that resumes at step k draws exactly the batches an uninterrupted run would have.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from clapsearch.errors import OptionError


@dataclass(frozen=True)
class Pick:
    """One pair of a batch: a clip, which of its crops (a fraction of its crop range), which caption."""

    clip: int
    crop: float  # in [0, 1): index into the clip's cached crops, or a position for a random crop
    caption: int


class BatchSampler:
    """Draws the pairs of training step `step`; label-aware batches hold at most one clip per group."""

    def __init__(self, groups: Sequence[str], captions_per_clip: Sequence[int], batch_size: int,
                 seed: int, label_aware: bool = True, group_power: float = 1.0,
                 backgrounds: Sequence[str] | None = None) -> None:
        if batch_size < 2:
            raise ValueError(f"a contrastive batch needs at least 2 pairs, got batch size {batch_size}")
        if len(groups) != len(captions_per_clip):
            raise ValueError("groups and captions_per_clip must have one entry per clip")
        self.captions_per_clip = np.asarray(captions_per_clip)
        self.seed = seed
        self.label_aware = label_aware
        names, self.group_of = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
        # A mixture also holds its background's concept: the group index of that, -1 for none.
        index = {str(n): i for i, n in enumerate(names)}
        self.background_of = np.array([index.get(b, -1) for b in (backgrounds or [""] * len(groups))])
        if len(self.background_of) != len(groups):
            raise ValueError("backgrounds must have one entry per clip")
        self.members = [np.flatnonzero(self.group_of == g) for g in range(len(names))]
        # A group is drawn with weight size ** group_power: 1 follows the data, 0 treats every concept alike.
        self.group_weight = np.array([len(m) for m in self.members], dtype=np.float64) ** group_power
        self.group_weight /= self.group_weight.sum()
        limit = len(self.members) if label_aware else len(groups)
        self.batch_size = min(batch_size, limit)
        if self.batch_size < 2:
            raise OptionError("only one label group in the training data: label-aware batches need two or more "
                              "(use --no-label-aware)")

    def draw(self, step: int, micro: int = 0) -> list[Pick]:
        """Return the pairs of one (micro-)batch of this step."""
        rng = np.random.default_rng([self.seed, step, micro])
        if self.label_aware:
            # Groups drawn without replacement by their weights, then one clip of each.
            chosen = rng.choice(len(self.members), size=self.batch_size, replace=False, p=self.group_weight)
            clips = [int(rng.choice(self.members[g])) for g in chosen]
        else:
            clips = [int(c) for c in rng.choice(len(self.group_of), size=self.batch_size, replace=False)]
        crops = rng.random(len(clips))
        return [Pick(c, float(f), int(rng.integers(self.captions_per_clip[c]))) for c, f in zip(clips, crops)]

    def same_label(self, picks: Sequence[Pick]) -> torch.Tensor:
        """Return the (B, B) bool mask of pairs that are not negatives: the clips share a label group, or one
        is a mixture whose background is the other's group (a dog over rain is no negative for "rain")."""
        idx = [p.clip for p in picks]
        g = torch.as_tensor(self.group_of[idx])
        b = torch.as_tensor(self.background_of[idx])
        return (g[:, None] == g[None, :]) | (b[:, None] == g[None, :]) | (g[:, None] == b[None, :])
