"""Generated test audio and the location of the development data (imported by tests as `audiogen`)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def tone(freq: float, seconds: float, sr: int = 16000, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(seconds: float, sr: int = 16000, amp: float = 0.1, seed: int = 0) -> np.ndarray:
    return (amp * np.random.default_rng(seed).standard_normal(int(seconds * sr))).astype(np.float32)


def shared_data(name: str) -> Path:
    """Return a development data set folder, or skip the test when ../shared/data is absent."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"development data {name} not found (../shared/data is absent in a user's clone)")
    return path
