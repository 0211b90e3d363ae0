"""Shared fixtures: small generated audio libraries, so unit tests need no data and no weights."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

# Test helpers live beside this file; a top-level `tests` package from some installed dependency must not
# shadow them, so they are imported by their own module name.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from audiogen import noise, tone  # noqa: E402


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
