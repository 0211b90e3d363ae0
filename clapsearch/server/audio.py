"""Serving an indexed file's bytes with HTTP range requests, and its waveform peaks for thumbnails."""
from __future__ import annotations

import mimetypes
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np
import soundfile as sf

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# Content-Type by the format the indexer recorded (the extension decides only where the format is unknown)
_TYPES = {"WAV": "audio/wav", "WAVEX": "audio/wav", "FLAC": "audio/flac", "OGG": "audio/ogg", "MP3": "audio/mpeg",
          "AIFF": "audio/aiff", "AIFC": "audio/aiff", "MPEG": "audio/mpeg", "OPUS": "audio/ogg"}


class RangeNotSatisfiable(ValueError):
    """A Range header that selects no byte of the file (HTTP 416)."""


def content_type(path: str, fmt: str | None) -> str:
    if fmt and fmt.upper() in _TYPES:
        return _TYPES[fmt.upper()]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Return the (first, last) byte, inclusive, of a single-range header; None to send the whole file.

    Suffix ranges (bytes=-N) give the last N bytes; an open range (bytes=N-) runs to the end. Several ranges
    or another unit: None (the whole file, as RFC 9110 allows). Raises RangeNotSatisfiable where no byte fits.
    """
    if not header:
        return None
    m = _RANGE.match(header.strip().replace(" ", ""))
    if m is None:
        return None
    first, last = m.group(1), m.group(2)
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return max(0, size - n), size - 1
    a = int(first)
    b = size - 1 if not last else min(int(last), size - 1)
    if a >= size or (last and int(last) < a):
        raise RangeNotSatisfiable(header)
    return a, b


def iter_bytes(path: str, first: int, last: int) -> Iterator[bytes]:
    """Yield the bytes first..last (inclusive) of a file in chunks."""
    with open(path, "rb") as f:
        f.seek(first)
        left = last - first + 1
        while left > 0:
            block = f.read(min(CHUNK, left))
            if not block:
                return
            left -= len(block)
            yield block


def compute_peaks(path: str, n: int) -> tuple[float, list[list[float]]]:
    """Decode a file once; return (duration in s, n [min, max] pairs of its mono mix, each over 1/n of it)."""
    info = sf.info(path)
    frames = max(int(info.frames), 1)
    lo = np.full(n, np.inf, np.float32)
    hi = np.full(n, -np.inf, np.float32)
    pos = 0
    for block in sf.blocks(path, blocksize=1 << 16, dtype="float32", always_2d=True):
        mono = block.mean(axis=1)
        bucket = np.minimum(np.arange(pos, pos + len(mono), dtype=np.int64) * n // frames, n - 1)
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
        b = bucket[starts]
        lo[b] = np.minimum(lo[b], np.minimum.reduceat(mono, starts))
        hi[b] = np.maximum(hi[b], np.maximum.reduceat(mono, starts))
        pos += len(mono)
    lo[~np.isfinite(lo)], hi[~np.isfinite(hi)] = 0.0, 0.0
    duration = float(info.frames) / float(info.samplerate) if info.samplerate else 0.0
    return duration, [[round(float(a), 4), round(float(b), 4)] for a, b in zip(lo, hi)]


class PeaksCache:
    """An in-memory LRU of computed peaks, keyed by (path, size, mtime, n) so a changed file is decoded again."""

    def __init__(self, capacity: int = 512) -> None:
        self.capacity = capacity
        self._items: OrderedDict[tuple[str, int, float, int], tuple[float, list[list[float]]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: str, n: int) -> tuple[float, list[list[float]]]:
        st = os.stat(path)
        key = (path, st.st_size, st.st_mtime, n)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute_peaks(path, n)
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return value
