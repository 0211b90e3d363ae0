"""Audio and text towers: the encoders that feed the projection heads."""
from __future__ import annotations

from clapsearch.model.towers.audio import build_audio_tower
from clapsearch.model.towers.text import build_text_tower

__all__ = ["build_audio_tower", "build_text_tower"]
