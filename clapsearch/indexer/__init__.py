"""The indexer: turns folders of recordings into a searchable index (FAISS vectors + SQL metadata)."""
from __future__ import annotations

from clapsearch.index import IndexDir, IndexError_, IndexLock, IndexLocked
from clapsearch.indexer.indexer import IndexSummary, Progress, index_paths

__all__ = ["IndexDir", "IndexError_", "IndexLock", "IndexLocked", "IndexSummary", "Progress", "index_paths"]
