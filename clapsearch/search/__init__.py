"""Search: embed a query (text or audio) and rank the indexed files by cosine similarity."""
from __future__ import annotations

from clapsearch.search.engine import Hit, SearchEngine, UnknownFile, rank_files
from clapsearch.search.filters import Query, parse_filters

__all__ = ["Hit", "Query", "SearchEngine", "UnknownFile", "parse_filters", "rank_files"]
