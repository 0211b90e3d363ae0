"""An index of a small generated library (tiny model) and a TestClient on the app that serves it."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audiogen import noise, tone

from clapsearch.indexer import index_paths


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """(library folder) indexed into <tmp>/idx with the tiny model."""
    root = tmp_path_factory.mktemp("served")
    lib = root / "lib"
    (lib / "foley").mkdir(parents=True)
    sf.write(lib / "tone_a.wav", tone(1000, 2.0), 16000)
    sf.write(lib / "tone_b.flac", tone(1000, 1.5, amp=0.25), 22050)
    sf.write(lib / "foley" / "hiss.wav", noise(3.0, amp=0.3), 16000)
    sf.write(lib / "foley" / "long.wav", np.concatenate([noise(4.0, amp=0.02), tone(300, 6.0)]), 16000)
    index_paths([lib], root / "idx", model="tiny", workers=0)
    return root


@pytest.fixture(scope="module")
def engine(served: Path):  # type: ignore[no-untyped-def]
    from clapsearch.search import SearchEngine

    return SearchEngine(served / "idx", device="cpu")


@pytest.fixture
def client(engine) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from clapsearch.server.app import create_app

    with TestClient(create_app(engine)) as c:
        yield c
