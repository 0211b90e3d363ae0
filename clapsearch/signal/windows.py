"""Where audio is cut into model-sized windows: in seconds for a file, in samples for a wave.

Both placements walk the same way: a window every hop, then one last window that ends with the input,
so that its tail is covered too.
"""
from __future__ import annotations

from typing import TypeVar

Number = TypeVar("Number", int, float)


def _walk(zero: Number, last_start: Number, hop: Number, slack: Number) -> list[Number]:
    """Return zero, hop, 2 hop, ... while below last_start - slack (summed, not multiplied), then last_start."""
    starts: list[Number] = []
    start = zero
    while start < last_start - slack:
        starts.append(start)
        start += hop
    starts.append(last_start)
    return starts


def segment_windows(duration: float, clip_seconds: float, hop_seconds: float) -> list[tuple[float, float]]:
    """Return (start, end) seconds of the windows that cover a file of this duration.

    A file no longer than one clip is one window (padded later). A longer file gets windows every
    hop_seconds, and a last window that ends with the file so that its tail is searchable too; a window
    that would start within a microsecond of that last one is left out. Times are rounded to 1 µs.
    """
    if clip_seconds <= 0 or hop_seconds <= 0:
        raise ValueError(f"clip ({clip_seconds}) and hop ({hop_seconds}) must be positive")
    if duration <= clip_seconds:
        return [(0.0, max(duration, 0.0))]
    *starts, last_start = _walk(0.0, duration - clip_seconds, hop_seconds, 1e-6)
    windows = [(round(start, 6), round(start + clip_seconds, 6)) for start in starts]
    windows.append((round(last_start, 6), round(duration, 6)))
    return windows


def window_starts(samples: int, clip: int, hop: int) -> list[int]:
    """Return the first sample of each clip-long window over a wave of this many samples.

    The same walk as segment_windows, in whole samples: a window every hop (at least 1), then one that
    ends with the wave; a wave no longer than a clip is one window at 0.
    """
    return _walk(0, max(samples - clip, 0), max(hop, 1), 0)
