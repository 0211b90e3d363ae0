from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from clapsearch.audio.decode import resample
from clapsearch.data.contamination import TowerEmbedder, find_leaks, load_wave, waveform_similarity

pytest.importorskip("aisfx")


def sound(seed: int, seconds: float = 5.0, sr: int = 44100) -> np.ndarray:
    """A structured sound: noise bursts with a pitched part, different per seed."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    env = (np.sin(2 * np.pi * rng.uniform(0.5, 3) * t) > 0.3).astype(np.float32)
    tone = np.sin(2 * np.pi * rng.uniform(200, 2000) * t)
    return (0.3 * env * (0.5 * tone + rng.standard_normal(len(t)))).astype(np.float32) * 0.5


def test_a_resampled_copy_of_an_evaluation_clip_is_caught(tmp_path: Path) -> None:
    from clapsearch.model import create_model

    train, evaluation = tmp_path / "train", tmp_path / "eval"
    train.mkdir()
    evaluation.mkdir()
    original = sound(1)
    sf.write(train / "copy.wav", original, 44100)
    sf.write(train / "other.wav", sound(2), 44100)
    sf.write(evaluation / "esc.flac", resample(original, 44100, 16000), 16000)  # the evaluation copy, 16 kHz
    sf.write(evaluation / "unrelated.flac", resample(sound(3), 44100, 16000), 16000)
    (train / "broken.wav").write_bytes(b"")

    tower = create_model("default").audio_tower
    embed = TowerEmbedder(tower, 44100, 5.0, 2.5, cache=tmp_path / "cache")
    leaks, best, unreadable = find_leaks(sorted(train.iterdir()), sorted(evaluation.iterdir()), embed)
    assert [(Path(leak.train).name, Path(leak.eval).name) for leak in leaks] == [("copy.wav", "esc.flac")]
    assert leaks[0].cosine > 0.99
    assert best[str(train / "other.wav")] < 0.97
    assert unreadable == [str(train / "broken.wav")]
    assert len(list((tmp_path / "cache").iterdir())) == 4  # cached by content


def test_waveform_similarity_finds_excerpts_and_ignores_shared_hum(tmp_path: Path) -> None:
    sr = 16000
    recording = resample(sound(4), 44100, sr)
    excerpt = 0.3 * recording[int(1.2 * sr):int(2.7 * sr)]  # 1.5 s cut, quieter
    assert waveform_similarity(excerpt, recording) > 0.99
    assert waveform_similarity(recording, excerpt) > 0.99  # either order
    assert waveform_similarity(resample(sound(5), 44100, sr), recording) < 0.2
    assert waveform_similarity(np.zeros(100, np.float32), recording) == 0.0

    # two unrelated recordings over the same strong mains hum: alike in full band, not above 300 Hz
    t = np.arange(5 * sr) / sr
    hum = (0.5 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    a, b = hum + 0.05 * resample(sound(6), 44100, sr), hum + 0.05 * resample(sound(7), 44100, sr)
    assert waveform_similarity(a, b) > 0.9
    sf.write(tmp_path / "a.wav", a, sr)
    sf.write(tmp_path / "b.wav", b, sr)
    assert waveform_similarity(load_wave(tmp_path / "a.wav"), load_wave(tmp_path / "b.wav")) < 0.3


def test_a_short_excerpt_below_the_cosine_threshold_is_caught_by_its_waveform(tmp_path: Path) -> None:
    sr = 44100
    evaluation = tmp_path / "eval"
    evaluation.mkdir()
    recording = sound(8)
    sf.write(evaluation / "esc.flac", resample(recording, sr, 16000), 16000)
    sf.write(evaluation / "other.flac", resample(sound(9), sr, 16000), 16000)
    sf.write(tmp_path / "excerpt.wav", recording[sr:int(2.5 * sr)], sr)  # 1.5 s of the evaluation recording
    sf.write(tmp_path / "unrelated.wav", sound(10, 1.5), sr)
    sf.write(tmp_path / "far.wav", recording[sr:int(2.5 * sr)], sr)  # a copy too, but its cosine is low
    vectors = {"esc.flac": [1.0, 0.0], "other.flac": [0.0, 1.0], "excerpt.wav": [0.95, 0.31],
               "unrelated.wav": [0.95, 0.31], "far.wav": [0.8, 0.6]}

    def embed(path: Path) -> np.ndarray:  # cosines as an aisfx window would score them, well below 0.97
        v = np.asarray(vectors[path.name], np.float32)
        return (v / np.linalg.norm(v))[None, :]

    train = [tmp_path / "excerpt.wav", tmp_path / "unrelated.wav", tmp_path / "far.wav"]
    leaks, best, unreadable = find_leaks(train, sorted(evaluation.iterdir()), embed)
    assert [(Path(x.train).name, Path(x.eval).name) for x in leaks] == [("excerpt.wav", "esc.flac")]
    assert leaks[0].waveform is not None and leaks[0].waveform > 0.95
    assert leaks[0].to_dict()["waveform"] == round(leaks[0].waveform, 4)
    assert best[str(tmp_path / "far.wav")] < 0.9 and not unreadable  # under the floor: never compared
    assert find_leaks(train, sorted(evaluation.iterdir()), embed, wave=None)[0] == []
