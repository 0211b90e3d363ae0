from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from clapsearch.audio.decode import resample
from clapsearch.data.contamination import TowerEmbedder, find_leaks

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
