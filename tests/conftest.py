"""Shared fixtures: small generated audio libraries, so unit tests need no data and no weights."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def tone(freq: float, seconds: float, sr: int = 16000, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(seconds: float, sr: int = 16000, amp: float = 0.1, seed: int = 0) -> np.ndarray:
    return (amp * np.random.default_rng(seed).standard_normal(int(seconds * sr))).astype(np.float32)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A folder of real (generated) recordings in several formats, rates and channel counts."""
    lib = tmp_path / "sounds"
    (lib / "sub").mkdir(parents=True)
    sf.write(lib / "tone440.wav", tone(440, 2.0), 16000)
    sf.write(lib / "noise.flac", noise(3.5, 22050), 22050)
    sf.write(lib / "sub" / "chirp.ogg", np.stack([tone(880, 1.5, 44100), tone(660, 1.5, 44100)], axis=1), 44100)
    sf.write(lib / "sub" / "low.wav", tone(110, 0.4, 8000), 8000)
    (lib / "notes.txt").write_text("not audio, and not named like audio: ignored")
    return lib


@pytest.fixture
def broken_library(library: Path) -> Path:
    """The library plus a zero-byte .wav, a text file renamed .mp3, a truncated .flac and a silent file."""
    (library / "empty.wav").write_bytes(b"")
    (library / "letter.mp3").write_text("Dear user, this is not an MP3.\n" * 50)
    data = (library / "noise.flac").read_bytes()
    (library / "truncated.flac").write_bytes(data[: len(data) // 3])
    sf.write(library / "silence.wav", np.zeros(16000, np.float32), 16000)
    return library


def shared_data(name: str) -> Path:
    """Return a development data set folder, or skip the test when ../shared/data is absent."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"development data {name} not found (../shared/data is absent in a user's clone)")
    return path
