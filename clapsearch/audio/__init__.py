"""Audio files: header probing, windowed decoding and resampling (window placement and clip fitting come from
clapsearch.signal, re-exported here). Nothing here imports clapsearch.model."""
from __future__ import annotations

from clapsearch.audio.decode import AudioError, AudioInfo, iter_windows, probe, read_window
from clapsearch.signal.padding import PADDINGS, fit_clip, fit_length
from clapsearch.signal.windows import segment_windows, window_starts

__all__ = ["AudioError", "AudioInfo", "probe", "read_window", "iter_windows", "segment_windows", "window_starts",
           "PADDINGS", "fit_clip", "fit_length"]
