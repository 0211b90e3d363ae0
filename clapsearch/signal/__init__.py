"""Signal maths shared by the audio front end (decoding) and the model (its front ends): window placement, clip
fitting and log-mel features. Pure functions with plain arguments; imports neither clapsearch.audio nor
clapsearch.model, so both can import it."""
from __future__ import annotations

from clapsearch.signal.padding import PADDINGS, fit_clip, fit_length
from clapsearch.signal.windows import segment_windows, window_starts

__all__ = ["PADDINGS", "fit_clip", "fit_length", "segment_windows", "window_starts"]
