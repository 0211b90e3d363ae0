"""Sample-by-sample comparison of two recordings: is one a copy (re-encoded, resampled, trimmed, at another
gain or channel count) of the other? Shared by `clapsearch dupes` and the data recipe's leak check.

Both are read as mono at 16 kHz and high-passed above 300 Hz, where mains and motor hum cannot line up by chance;
the score is the best normalised cross-correlation at any lag. A copy scores near 1 (0.9 and up, measured on
ESC-50 copies through MP3 and Ogg); unrelated recordings measured at most 0.66.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from clapsearch.audio.decode import probe, read_window

BAND_LIMIT_RATE = 16000
WAVE_SECONDS = 60.0  # how much of each file the waveform comparison reads
HUM_CUTOFF_HZ = 300.0


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
    size = fast_fft_size(len(long) + n - 1)
    corr = np.fft.irfft(np.fft.rfft(long, size) * np.conj(np.fft.rfft(short, size)), size)[: len(long) - n + 1]
    energy = np.concatenate([[0.0], np.cumsum(long * long)])
    window = energy[n:] - energy[:-n]  # energy of long[lag:lag + n], one per lag
    floor = 1e-3 * float(window.max(initial=0.0))  # near-silent stretches cannot make a match
    ncc = np.abs(corr) / np.sqrt(np.maximum(window, floor) * short_energy)
    return float(min(ncc.max(initial=0.0), 1.0))


def fast_fft_size(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n: a length pocketfft transforms fast (2.4x faster than the next power of two
    for two 5 s clips at 16 kHz)."""
    best = 1 << max(0, n - 1).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            size = p35
            while size < n:
                size *= 2
            best = min(best, size)
            p35 *= 3
        p5 *= 5
    return best
