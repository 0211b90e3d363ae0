"""Generated data-set layouts: tiny real audio files in each benchmark's own folder structure."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SR = 16000


def write_tone(path: Path, freq: float, seconds: float = 0.3, noise: float = 0.0) -> Path:
    """Write a short sine (plus optional noise) to path, creating its folders; return path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * SR)) / SR
    wave = 0.3 * np.sin(2 * np.pi * freq * t)
    if noise:
        wave += noise * np.random.default_rng(int(freq)).standard_normal(len(t))
    sf.write(path, wave.astype(np.float32), SR)
    return path


@pytest.fixture(name="write_tone")
def write_tone_fixture():
    """The write_tone function, for tests that build their own layout."""
    return write_tone


@pytest.fixture
def folder_layout(tmp_path: Path) -> Path:
    """Two classes, three clips each: low tones are 'hum', noisy high tones are 'hiss'."""
    root = tmp_path / "folder-set"
    for i in range(3):
        write_tone(root / "hum" / f"h{i}.wav", 100 + 20 * i, seconds=1.6)
        write_tone(root / "hiss" / f"s{i}.wav", 3000 + 100 * i, seconds=0.8, noise=0.2)
    return root


@pytest.fixture
def esc50_layout(tmp_path: Path) -> Path:
    root = tmp_path / "esc50"
    rows = ["filename,fold,target,category,esc10,src_file,take"]
    for i, (cat, target, esc10) in enumerate([("dog", 0, True), ("rain", 10, True), ("crackling_fire", 12, True),
                                             ("pig", 2, False), ("dog", 0, True), ("pig", 2, False)]):
        name = f"{i % 5 + 1}-{1000 + i}-A-{target}.flac"
        path = root / "audio" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, np.full(1600, 0.1 * (i + 1), np.float32), SR)
        rows.append(f"{name},{i % 5 + 1},{target},{cat},{esc10},{1000 + i},A")
    (root / "meta").mkdir()
    (root / "meta" / "esc50.csv").write_text("\n".join(rows) + "\n")
    return root


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's cache folder for this test ($XDG_CACHE_HOME/clapsearch under tmp_path): benchmark indexes go there."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("CLAPSEARCH_CACHE", raising=False)
    return tmp_path / "xdg-cache" / "clapsearch"
