"""Training-data recipes: audio-caption corpora built from openly licensed Debian packages."""
from __future__ import annotations

from .manifest import Clip, SourceStats, merge_parts, read_jsonl, write_jsonl
from .sources import EXCLUDE, SOURCES, Rule, Source, is_excluded

__all__ = ["Clip", "SourceStats", "merge_parts", "read_jsonl", "write_jsonl", "EXCLUDE", "SOURCES", "Rule", "Source",
           "is_excluded"]
