"""Search: embed a query (text or audio) and rank the indexed files by cosine similarity."""
from __future__ import annotations

from clapsearch.search.engine import Hit, SearchEngine, rank_files

__all__ = ["Hit", "SearchEngine", "rank_files"]
