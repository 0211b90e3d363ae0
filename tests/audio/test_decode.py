from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audiogen import tone

from clapsearch.audio import AudioError, iter_windows, probe, read_window, segment_windows
from clapsearch.signal.mel import mel_power, power_to_db, torchaudio_slaney_fbanks, warped_unit_sum_fbanks


def test_probe_reads_headers(library: Path) -> None:
    info = probe(library / "sub" / "chirp.ogg")
    assert (info.sample_rate, info.channels) == (44100, 2)
    assert info.duration == pytest.approx(1.5, abs=0.01)


@pytest.mark.parametrize("name,content,reason", [
    ("empty.wav", b"", "empty file"),
    ("letter.mp3", b"Dear user, this is not an MP3.\n" * 50, "format not recognised"),
])
def test_unusable_files_say_why(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(AudioError, match=reason):
        probe(tmp_path / name)


def test_a_damaged_flac_named_with_colons_gives_libsndfile_words_not_a_piece_of_its_name(tmp_path: Path) -> None:
    sf.write(tmp_path / "x.flac", tone(440, 1.0), 16000)
    damaged = tmp_path / "take: 2: the long one.flac"
    damaged.write_bytes((tmp_path / "x.flac").read_bytes()[:60])  # inside the header: the decoder gives up
    with pytest.raises(AudioError) as err:
        probe(damaged)
    assert str(err.value) == "damaged or unsupported audio file (unknown error in flac decoder)"


def test_read_window_downmixes_and_resamples(tmp_path: Path) -> None:
    left, right = tone(440, 2.0, 44100), -tone(440, 2.0, 44100)
    sf.write(tmp_path / "st.wav", np.stack([left, 0.5 * right], axis=1), 44100)
    w = read_window(tmp_path / "st.wav", 0.5, 1.5, 16000)
    assert w.shape == (16000,) and w.dtype == np.float32
    assert np.abs(w).max() == pytest.approx(0.075, rel=0.05)  # (1 - 0.5) / 2 of 0.3


def test_iter_windows_pads_short_files_and_covers_long_ones(tmp_path: Path) -> None:
    sf.write(tmp_path / "short.wav", tone(300, 0.3), 16000)
    windows = list(iter_windows(tmp_path / "short.wav", 16000, 1.0, 0.5))
    assert len(windows) == 1 and windows[0][2].shape == (16000,)
    assert np.all(windows[0][2][5000:] == 0)
    sf.write(tmp_path / "long.flac", tone(300, 3.2), 16000)
    windows = list(iter_windows(tmp_path / "long.flac", 16000, 1.0, 0.5))
    assert [(a, b) for a, b, _ in windows] == segment_windows(3.2, 1.0, 0.5)
    assert all(w.shape == (16000,) for _, _, w in windows)


def test_truncated_file_is_an_audio_error(library: Path) -> None:
    data = (library / "noise.flac").read_bytes()
    (library / "cut.flac").write_bytes(data[: len(data) // 3])
    with pytest.raises(AudioError):
        list(iter_windows(library / "cut.flac", 16000, 1.0, 0.5))


def test_segment_windows() -> None:
    assert segment_windows(0.4, 1.0, 0.5) == [(0.0, 0.4)]
    assert segment_windows(1.0, 1.0, 0.5) == [(0.0, 1.0)]
    assert segment_windows(2.2, 1.0, 0.5) == [(0.0, 1.0), (0.5, 1.5), (1.0, 2.0), (1.2, 2.2)]
    with pytest.raises(ValueError):
        segment_windows(1.0, 0.0, 0.5)


def test_essentia_filterbank_bands_sum_to_one() -> None:
    fb = warped_unit_sum_fbanks(1025, 44100, 96, 0.0, 22050.0)
    assert fb.shape == (1025, 96)
    np.testing.assert_allclose(fb.sum(0).numpy(), 1.0, atol=1e-5)
    assert (fb.argmax(0).diff() >= 0).all()  # centres rise with the band index


def test_log_mel_maths_shapes_and_tone_peak() -> None:
    import torch

    fbanks, window = torchaudio_slaney_fbanks(257, 16000, 32, 0.0, 8000.0), torch.hann_window(512)
    mel = power_to_db(mel_power(torch.from_numpy(np.stack([tone(1000, 1.0), tone(4000, 1.0)])), fbanks, window, 160))
    assert mel.shape == (2, 101, 32)
    assert mel[0].mean(0).argmax() < mel[1].mean(0).argmax()


def test_short_clips_are_filled_as_the_model_says() -> None:
    from clapsearch.audio.decode import fit_length

    w = np.array([1.0, 2.0, 3.0], np.float32)
    np.testing.assert_array_equal(fit_length(w, 8), [1, 2, 3, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(fit_length(w, 8, "repeat"), [1, 2, 3, 1, 2, 3, 1, 2])
    np.testing.assert_array_equal(fit_length(w, 8, "repeatpad"), [1, 2, 3, 1, 2, 3, 0, 0])
    np.testing.assert_array_equal(fit_length(w, 2, "repeat"), [1, 2])
