"""Turning a batch's picks into model inputs: cached tower outputs (frozen towers) or decoded crops and tokens."""
from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from clapsearch.audio import AudioError, read_window
from clapsearch.audio.decode import fit_length
from clapsearch.manifest import Clip
from clapsearch.model import ClapModel
from clapsearch.trainer.batching import BatchSampler, Pick
from clapsearch.trainer.mixing import Mix, render

log = logging.getLogger(__name__)


def stack_ragged(arrays: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (all rows stacked, start offset per array with a final end): (N, width), (len(arrays) + 1,)."""
    offsets = torch.tensor(np.cumsum([0] + [len(a) for a in arrays]), dtype=torch.long)
    return torch.from_numpy(np.concatenate(arrays).astype(np.float32)), offsets


class CropDataset(Dataset):
    """Decodes one training crop per pick: a random position in clips longer than a crop, padding in short ones."""

    def __init__(self, clips: Sequence[Clip], sample_rate: int, clip_seconds: float,
                 mixes: dict[str, Mix] | None = None) -> None:
        self.clips, self.sample_rate, self.clip_seconds = list(clips), sample_rate, clip_seconds
        self.samples = int(round(clip_seconds * sample_rate))
        self.mixes = mixes or {}

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, pick: Pick) -> tuple[np.ndarray, Pick]:
        clip = self.clips[pick.clip]
        if clip.audio in self.mixes:
            try:
                return render(self.mixes[clip.audio], self.sample_rate, self.clip_seconds), pick
            except AudioError as e:
                log.warning("cannot render mixture %s: %s (silence used)", clip.source, e)
                return np.zeros(self.samples, dtype=np.float32), pick
        start = pick.crop * max(0.0, clip.duration - self.clip_seconds)
        try:
            wave = read_window(clip.audio, start, start + self.clip_seconds, self.sample_rate)
        except AudioError as e:  # a file that broke after the start-up check: train on silence, never crash
            log.warning("cannot decode %s at %.1fs: %s (silence used)", clip.audio, start, e)
            wave = np.zeros(0, dtype=np.float32)
        return fit_length(wave, self.samples), pick


class StepBatches:
    """The picks of every micro-batch from step `start` on, drawn lazily (a DataLoader batch sampler)."""

    def __init__(self, sampler: BatchSampler, start: int, steps: int, accum: int) -> None:
        self.sampler, self.start, self.steps, self.accum = sampler, start, steps, accum

    def __iter__(self) -> Iterator[list[Pick]]:
        for step in range(self.start, self.steps):
            for micro in range(self.accum):
                yield self.sampler.draw(step, micro)

    def __len__(self) -> int:
        return (self.steps - self.start) * self.accum


def _collate(items: list[tuple[np.ndarray, Pick]]) -> tuple[torch.Tensor, list[Pick]]:
    return torch.from_numpy(np.stack([w for w, _ in items])), [p for _, p in items]  # (B, samples)


class PairInputs:
    """Model inputs for the picks of each step: tower outputs from the cache where a tower is frozen."""

    def __init__(self, model: ClapModel, clips: Sequence[Clip], audio_cache: list[np.ndarray] | None,
                 text_cache: list[np.ndarray] | None, mixes: dict[str, Mix] | None = None) -> None:
        self.model, self.clips, self.mixes = model, list(clips), mixes or {}
        self.audio = stack_ragged(audio_cache) if audio_cache is not None else None  # crops per clip
        self.text = stack_ragged(text_cache) if text_cache is not None else None  # captions per clip

    def waves(self, sampler: BatchSampler, start: int, steps: int, accum: int, workers: int,
              ) -> Iterator[tuple[torch.Tensor, list[Pick]]] | None:
        """Return an iterator of decoded (B, samples) crops per micro-batch, or None when audio is cached."""
        if self.audio is not None:
            return None
        cfg = self.model.config.audio
        loader = DataLoader(CropDataset(self.clips, cfg.sample_rate, cfg.clip_seconds, self.mixes),
                            batch_sampler=StepBatches(sampler, start, steps, accum),
                            num_workers=workers, collate_fn=_collate, pin_memory=self.model.device.type == "cuda",
                            persistent_workers=False, prefetch_factor=4 if workers else None,
                            generator=torch.Generator().manual_seed(sampler.seed))  # not the global RNG: resumable
        return iter(loader)

    def __call__(self, picks: list[Pick], waves: torch.Tensor | None) -> dict[str, Any]:
        """Return the keyword arguments of model(...) for these picks."""
        device = self.model.device
        inputs: dict[str, Any] = {}
        if self.audio is not None:
            feats, offsets = self.audio
            n = offsets[1:] - offsets[:-1]
            rows = [int(offsets[p.clip] + min(int(p.crop * n[p.clip]), int(n[p.clip]) - 1)) for p in picks]
            inputs["audio_features"] = feats[rows].to(device)  # (B, audio width)
        else:
            assert waves is not None  # waves() decodes them whenever the audio is not cached
            inputs["audio"] = waves.to(device, non_blocking=True)  # (B, samples)
        if self.text is not None:
            feats, offsets = self.text
            inputs["text_features"] = feats[[int(offsets[p.clip]) + p.caption for p in picks]].to(device)
        else:
            inputs["text"] = self.model.tokenize([self.clips[p.clip].captions[p.caption] for p in picks])
        return inputs
