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

from clapsearch.audio import AudioError, iter_windows, probe, read_window
from clapsearch.audio.decode import resample

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.97
BAND_LIMIT_RATE = 16000
WAVE_FLOOR = 0.90  # cosine from which a clip is also compared sample by sample
WAVE_THRESHOLD = 0.90  # normalised cross-correlation of a copy
WAVE_SECONDS = 60.0  # how much of each file the waveform comparison reads
HUM_CUTOFF_HZ = 300.0


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


def load_wave(path: Path, rate: int = BAND_LIMIT_RATE, seconds: float = WAVE_SECONDS) -> np.ndarray:
    """Return up to `seconds` of a file as mono float32 at `rate`, hum removed (high-passed above 300 Hz)."""
    info = probe(path)
    wave = read_window(path, 0.0, min(info.duration, seconds), rate, info).astype(np.float64)
    spec = np.fft.rfft(wave)
    spec[: int(HUM_CUTOFF_HZ * len(wave) / rate) + 1] = 0.0
    return np.fft.irfft(spec, len(wave)).astype(np.float32)


def waveform_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Return the best normalised cross-correlation of the shorter signal at any lag fully inside the longer.

    1.0 when one holds an exact (scaled) copy of the other; near 0 for unrelated sounds.
    """
    long, short = (a, b) if len(a) >= len(b) else (b, a)
    long, short = long.astype(np.float64), short.astype(np.float64)
    n = len(short)
    short_energy = float(np.dot(short, short))
    if n == 0 or short_energy <= 0.0:
        return 0.0
    size = 1 << (len(long) + n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(long, size) * np.conj(np.fft.rfft(short, size)), size)[: len(long) - n + 1]
    energy = np.concatenate([[0.0], np.cumsum(long * long)])
    window = energy[n:] - energy[:-n]  # energy of long[lag:lag + n], one per lag
    floor = 1e-3 * float(window.max(initial=0.0))  # near-silent stretches cannot make a match
    ncc = np.abs(corr) / np.sqrt(np.maximum(window, floor) * short_energy)
    return float(min(ncc.max(initial=0.0), 1.0))


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
