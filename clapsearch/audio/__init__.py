"""Audio: header probing, windowed decoding and resampling, window placement, clip fitting, log-mel maths.

Pure signal code with plain arguments; nothing here imports clapsearch.model (the model's front-end modules
import these functions).
"""
from __future__ import annotations

from clapsearch.audio.decode import AudioError, AudioInfo, iter_windows, probe, read_window
from clapsearch.audio.padding import PADDINGS, fit_clip, fit_length
from clapsearch.audio.windows import segment_windows, window_starts

__all__ = ["AudioError", "AudioInfo", "probe", "read_window", "iter_windows", "segment_windows", "window_starts",
           "PADDINGS", "fit_clip", "fit_length"]
