"""Where a file is cut into model-sized windows (searchable segments)."""
from __future__ import annotations


def segment_windows(duration: float, clip_seconds: float, hop_seconds: float) -> list[tuple[float, float]]:
    """Return (start, end) seconds of the windows that cover a file of this duration.

    A file no longer than one clip is one window (padded later). A longer file gets windows every
    hop_seconds, and a last window that ends with the file so that its tail is searchable too.
    """
    if clip_seconds <= 0 or hop_seconds <= 0:
        raise ValueError(f"clip ({clip_seconds}) and hop ({hop_seconds}) must be positive")
    if duration <= clip_seconds:
        return [(0.0, max(duration, 0.0))]
    windows: list[tuple[float, float]] = []
    start = 0.0
    last_start = duration - clip_seconds
    while start < last_start - 1e-6:
        windows.append((round(start, 6), round(start + clip_seconds, 6)))
        start += hop_seconds
    windows.append((round(last_start, 6), round(duration, 6)))
    return windows
