"""Fitting a wave to a clip length: the padding modes of the published models, in one place.

Modes, for a wave shorter than the clip:
    "zero"      silence after the wave;
    "repeat"    the wave tiled as often as needed, then cut (msclap);
    "repeatpad" the wave repeated whole as often as it fits, then silence (LAION);
    "none"      means two things, kept apart on purpose: the model's tower (fit_clip) leaves the wave as
                it is (no padding, no cut), while the decoder (fit_length) still needs clip-length
                windows to batch, so it reads "none" as "zero". Shipped weights and benchmark numbers
                depend on both readings.
A mode not listed pads with silence. A wave with no samples becomes silence whatever the mode.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch is imported where a wave is fitted: importing this module (a text query) needs none
    import torch

PADDINGS = ("none", "zero", "repeat", "repeatpad")


def fit_clip(wave: torch.Tensor, samples: int, padding: str) -> torch.Tensor:
    """Return (..., time) -> (..., samples): a shorter wave filled by `padding`, a longer one cut.

    "none" returns the wave untouched, whatever its length (the tower's reading of "none").
    """
    import torch.nn.functional as F

    n = wave.shape[-1]
    if padding == "none" or n == samples:
        return wave
    if n > samples:
        return wave[..., :samples]
    if n == 0:
        return wave.new_zeros(*wave.shape[:-1], samples)
    if padding == "repeat":
        wave = wave.repeat(*([1] * (wave.dim() - 1)), math.ceil(samples / n))[..., :samples]
    elif padding == "repeatpad":
        wave = wave.repeat(*([1] * (wave.dim() - 1)), samples // n)
    return F.pad(wave, (0, samples - wave.shape[-1]))


def fit_length(wave: np.ndarray, samples: int, padding: str = "zero") -> np.ndarray:
    """Return (time,) -> (samples,): a decoded window cut, or filled at the end, to exactly this length.

    The decoder's reading of the modes: as fit_clip, except that "none" pads with silence like "zero",
    because decoded windows are stacked into clip-length batches. A longer wave comes back as a view.
    """
    import torch

    decoder_padding = "zero" if padding == "none" else padding
    wave = np.require(wave, requirements=["C", "W"])  # torch.from_numpy wants a writable, forward-strided array
    return fit_clip(torch.from_numpy(wave), samples, decoder_padding).numpy()
