"""Generated audio for trainer tests: tones and noise bands per label, captions that name them."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from clapsearch.model import load_config

SR = 16000
# label -> (kind, frequency): each label is a distinct sound, so a tiny model can learn to tell them apart
SOUNDS = {"low hum": ("tone", 150.0), "whistle": ("tone", 2500.0), "beep": ("pulse", 1000.0),
          "hiss": ("noise", 6000.0), "rumble": ("noise", 200.0), "chirp": ("sweep", 3000.0)}


def make_wave(kind: str, freq: float, seconds: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    if kind == "tone":
        x = np.sin(2 * np.pi * freq * (1 + 0.02 * rng.standard_normal()) * t)
    elif kind == "pulse":
        x = np.sin(2 * np.pi * freq * t) * (np.sin(2 * np.pi * 4 * t) > 0)
    elif kind == "sweep":
        x = np.sin(2 * np.pi * (freq * t + 2000 * t * t))
    else:
        n = rng.standard_normal(len(t))
        spec = np.fft.rfft(n)
        f = np.fft.rfftfreq(len(t), 1 / SR)
        spec[np.abs(f - freq) > freq / 2] = 0
        x = np.fft.irfft(spec, len(t))
        x /= np.abs(x).max() + 1e-9
    return (0.5 * x * rng.uniform(0.5, 1.0)).astype(np.float32)


@pytest.fixture(scope="session", autouse=True)
def one_thread() -> None:
    # The tiny models are faster on one thread than two threads fighting for a shared CPU.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A labelled JSONL manifest of 48 generated clips (8 per label, 0.6-2.5 s), audio in audio/."""
    root = tmp_path_factory.mktemp("corpus")
    (root / "audio").mkdir()
    rng = np.random.default_rng(0)
    rows = []
    for label, (kind, freq) in SOUNDS.items():
        for i in range(8):
            name = f"audio/{label.replace(' ', '_')}_{i}.wav"
            sf.write(root / name, make_wave(kind, freq, rng.uniform(0.6, 2.5), rng), SR)
            rows.append({"audio": name, "captions": [f"a {label}", f"the sound of a {label}"], "label": label})
    (root / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root / "manifest.jsonl"


@pytest.fixture(scope="session")
def frozen_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny config with both towers frozen (the feature-cache path)."""
    d = load_config("tiny").to_dict()
    d["name"] = "tiny-frozen"
    d["freeze"] = {"audio": True, "text": True}
    path = tmp_path_factory.mktemp("config") / "tiny-frozen.json"
    path.write_text(json.dumps(d))
    return path
