"""Audio front end: header probing, windowed decoding, resampling and log-mel features."""
from __future__ import annotations

from clapsearch.audio.decode import AudioError, AudioInfo, probe, read_window, iter_windows
from clapsearch.audio.windows import segment_windows

__all__ = ["AudioError", "AudioInfo", "probe", "read_window", "iter_windows", "segment_windows"]
