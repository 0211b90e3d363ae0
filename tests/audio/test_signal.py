"""Clip fitting and window placement: one home each, and the two readings of padding "none"."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from clapsearch.audio import fit_clip, fit_length, segment_windows, window_starts


@pytest.mark.parametrize("padding", ["zero", "repeat", "repeatpad"])
def test_decoder_and_tower_fill_short_clips_alike(padding: str) -> None:
    for n in (0, 1, 3, 7, 8, 20):
        w = np.arange(1, n + 1, dtype=np.float32)
        np.testing.assert_array_equal(fit_length(w, 8, padding), fit_clip(torch.from_numpy(w), 8, padding).numpy())


def test_none_means_untouched_in_the_tower_and_silence_in_the_decoder() -> None:
    w = np.array([1.0, 2.0, 3.0], np.float32)
    assert fit_clip(torch.from_numpy(w), 5, "none").tolist() == [1, 2, 3]  # the tower leaves it as it is
    assert fit_clip(torch.arange(9.0), 5, "none").shape == (9,)  # not even cut
    np.testing.assert_array_equal(fit_length(w, 5, "none"), [1, 2, 3, 0, 0])  # windows must stack
    np.testing.assert_array_equal(fit_length(np.arange(9.0), 5, "none"), [0, 1, 2, 3, 4])


def test_fit_length_keeps_dtype_and_takes_read_only_arrays() -> None:
    w = np.arange(3.0)
    w.flags.writeable = False
    out = fit_length(w, 5, "repeat")
    assert out.dtype == np.float64 and out.tolist() == [0, 1, 2, 0, 1]
    assert fit_length(np.zeros(0, np.float32), 4, "repeat").tolist() == [0, 0, 0, 0]


def test_window_starts_walk_as_segment_windows_does() -> None:
    assert window_starts(25, 10, 5) == [0, 5, 10, 15]
    assert window_starts(8, 10, 5) == [0] and window_starts(10, 10, 5) == [0]
    assert window_starts(12, 10, 0) == [0, 1, 2]  # a hop below one sample is one sample
    for samples in (5, 10, 11, 22, 35, 100):
        seconds = [start for start, _ in segment_windows(samples / 10, 1.0, 0.5)]
        assert window_starts(samples, 10, 5) == [round(s * 10) for s in seconds]
