"""CLI tests write their caches (error log, benchmark indexes) under tmp_path, never in the user's home."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's cache folder for this test: $XDG_CACHE_HOME/clapsearch under tmp_path."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("CLAPSEARCH_CACHE", raising=False)
    return tmp_path / "xdg-cache" / "clapsearch"
