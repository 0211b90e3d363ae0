"""The indexer: turns folders of recordings into a searchable index (FAISS vectors + SQL metadata)."""
from __future__ import annotations

from clapsearch.indexer.index_dir import IndexDir, IndexError_
from clapsearch.indexer.indexer import IndexSummary, Progress, index_paths
from clapsearch.indexer.lock import IndexLock, IndexLocked

__all__ = ["IndexDir", "IndexError_", "IndexLock", "IndexLocked", "IndexSummary", "Progress", "index_paths"]
