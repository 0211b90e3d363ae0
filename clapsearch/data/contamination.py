"""The evaluation-leak check: drop training clips whose sound nearly duplicates an evaluation clip.

Embeddings are the default audio tower's own features (aisfx, before any trained head), one per 5 s window,
L2-normalised. Training audio is band-limited to 16 kHz sampling first, since evaluation copies (ESC-50's
dev half) were resampled to 16 kHz: a copy must look like a copy. A training clip whose best window matches
any evaluation window at cosine >= threshold is dropped and reported. Positive controls measured when the
shared training sets were checked: exact copies score >= 0.998, copies buried in 20 s of other audio >= 0.97.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from clapsearch.audio import AudioError, iter_windows, probe
from clapsearch.audio.decode import resample

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.97
BAND_LIMIT_RATE = 16000


@dataclass(frozen=True)
class Leak:
    train: str
    eval: str
    cosine: float

    def to_dict(self) -> dict[str, object]:
        return {"train": self.train, "eval": self.eval, "cosine": round(self.cosine, 4)}


class TowerEmbedder:
    """Per-window features of an audio tower, cached on disk by file content."""

    def __init__(self, tower: torch.nn.Module, sample_rate: int, clip_seconds: float, hop_seconds: float,
                 cache: Path | None = None, band_limit: int | None = BAND_LIMIT_RATE) -> None:
        self.tower, self.sample_rate = tower.eval(), sample_rate
        self.clip_seconds, self.hop_seconds = clip_seconds, hop_seconds
        self.cache, self.band_limit = cache, band_limit
        if cache:
            cache.mkdir(parents=True, exist_ok=True)

    def __call__(self, path: Path) -> np.ndarray:
        """Return (windows, width) L2-normalised tower features of a file."""
        key = None
        if self.cache:
            digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
            key = self.cache / f"{digest}-{self.band_limit}.npy"
            if key.is_file():
                return np.load(key)
        waves = [w for _, _, w in iter_windows(path, self.sample_rate, self.clip_seconds, self.hop_seconds,
                                                probe(path))]
        batch = np.stack(waves)
        if self.band_limit and self.band_limit < self.sample_rate:
            batch = np.stack([resample(resample(w, self.sample_rate, self.band_limit), self.band_limit,
                                       self.sample_rate)[: len(w)] for w in batch])
        with torch.no_grad():
            feats = self.tower(torch.from_numpy(batch)).numpy()
        feats /= np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), 1e-12)
        if key is not None:
            np.save(key, feats.astype(np.float32))
        return feats.astype(np.float32)


def find_leaks(train: Iterable[Path], evaluation: Iterable[Path], embed: Callable[[Path], np.ndarray],
               threshold: float = DEFAULT_THRESHOLD) -> tuple[list[Leak], dict[str, float], list[str]]:
    """Return (leaks, best cosine per training clip, training clips that could not be read)."""
    eval_paths = list(evaluation)
    eval_feats, owners = [], []
    for p in eval_paths:
        try:
            f = embed(p)
        except AudioError as e:
            log.warning("evaluation clip %s unreadable: %s", p, e)
            continue
        eval_feats.append(f)
        owners += [str(p)] * len(f)
    bank = np.concatenate(eval_feats) if eval_feats else np.zeros((0, 1), np.float32)
    leaks: list[Leak] = []
    best: dict[str, float] = {}
    unreadable: list[str] = []
    for p in train:
        try:
            f = embed(p)
        except AudioError:
            unreadable.append(str(p))
            continue
        sims = f @ bank.T  # (train windows, eval windows)
        j = int(sims.max(axis=0).argmax())
        cos = float(sims.max())
        best[str(p)] = cos
        if cos >= threshold:
            leaks.append(Leak(str(p), owners[j], cos))
    return leaks, best, unreadable
