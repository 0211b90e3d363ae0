"""The evaluation-leak check: drop training clips whose sound nearly duplicates an evaluation clip.

Embeddings are the default audio tower's own features (aisfx, before any trained head), one per 5 s window,
L2-normalised. Training audio is band-limited to 16 kHz sampling first, since evaluation copies (ESC-50's
dev half) were resampled to 16 kHz: a copy must look like a copy. A training clip whose best window matches
any evaluation window at cosine >= threshold is dropped and reported. Positive controls measured when the
shared training sets were checked: exact copies score >= 0.998, copies buried in 20 s of other audio >= 0.97.

A short excerpt of an evaluation clip (a 1.5 s cut of a 5 s recording) can embed well below that, since its
window is mostly padding: qabcs-data's clock.ogg, an excerpt of an ESC-50 clock recording, scores 0.960. So
every clip whose best cosine reaches `wave_floor` is also compared sample by sample with its closest
evaluation clips: a normalised cross-correlation >= `wave_threshold` (at 16 kHz, above 300 Hz, where mains
and motor hum cannot line up by chance) is a copy too. Unrelated recordings measured at most 0.66 full-band.
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
from clapsearch.audio.similarity import BAND_LIMIT_RATE, HUM_CUTOFF_HZ, WAVE_SECONDS, load_wave, waveform_similarity

log = logging.getLogger(__name__)
# load_wave and waveform_similarity live in clapsearch.audio.similarity, shared with `clapsearch dupes`
__all__ = ["BAND_LIMIT_RATE", "HUM_CUTOFF_HZ", "WAVE_SECONDS", "Leak", "TowerEmbedder", "find_leaks", "load_wave",
           "waveform_similarity"]

DEFAULT_THRESHOLD = 0.97
WAVE_FLOOR = 0.90  # cosine from which a clip is also compared sample by sample
WAVE_THRESHOLD = 0.90  # normalised cross-correlation of a copy


@dataclass(frozen=True)
class Leak:
    train: str
    eval: str
    cosine: float
    waveform: float | None = None  # normalised cross-correlation, where the waveforms were compared

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"train": self.train, "eval": self.eval, "cosine": round(self.cosine, 4)}
        if self.waveform is not None:
            out["waveform"] = round(self.waveform, 4)
        return out


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
        if feats.ndim == 3:  # a tower that leaves its map to a trained adapter: the frozen tower's own maximum
            feats = feats.max(axis=2)
        feats /= np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), 1e-12)
        if key is not None:
            np.save(key, feats.astype(np.float32))
        return feats.astype(np.float32)


def find_leaks(train: Iterable[Path], evaluation: Iterable[Path], embed: Callable[[Path], np.ndarray],
               threshold: float = DEFAULT_THRESHOLD,
               wave: Callable[[Path], np.ndarray] | None = load_wave, wave_floor: float = WAVE_FLOOR,
               wave_threshold: float = WAVE_THRESHOLD, candidates: int = 3,
               ) -> tuple[list[Leak], dict[str, float], list[str]]:
    """Return (leaks, best cosine per training clip, training clips that could not be read).

    A clip is a leak when its best window reaches `threshold` in cosine, or, from `wave_floor` on, when its
    waveform matches one of its `candidates` closest evaluation clips (`wave`: None skips this stage).
    """
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
    owner_index = np.unique(np.asarray(owners), return_inverse=True)[1] if owners else np.zeros(0, int)
    eval_names = sorted(set(owners))
    eval_waves: dict[str, np.ndarray] = {}
    leaks: list[Leak] = []
    best: dict[str, float] = {}
    unreadable: list[str] = []
    for p in train:
        try:
            f = embed(p)
        except AudioError:
            unreadable.append(str(p))
            continue
        if not len(bank):
            best[str(p)] = 0.0
            continue
        sims = f @ bank.T  # (train windows, eval windows)
        j = int(sims.max(axis=0).argmax())
        cos = float(sims.max())
        best[str(p)] = cos
        if cos >= threshold:
            leaks.append(Leak(str(p), owners[j], cos))
        elif wave is not None and cos >= wave_floor:
            per_file = np.full(len(eval_names), -np.inf)
            np.maximum.at(per_file, owner_index, sims.max(axis=0))
            try:
                mine = wave(p)
            except AudioError:
                unreadable.append(str(p))
                continue
            for k in np.argsort(-per_file)[:candidates]:
                name = eval_names[int(k)]
                if name not in eval_waves:
                    eval_waves[name] = wave(Path(name))
                similarity = waveform_similarity(mine, eval_waves[name])
                if similarity >= wave_threshold:
                    leaks.append(Leak(str(p), name, float(per_file[k]), similarity))
                    break
    return leaks, best, unreadable
