"""An index on disk: its folder (SQL metadata, the FAISS file derived from it, the model it needs) and its write
lock. The indexer writes through it; the search engine reads through it."""
from __future__ import annotations

from clapsearch.index.folder import IndexDir, IndexError_, set_aside
from clapsearch.index.lock import IndexLock, IndexLocked

__all__ = ["IndexDir", "IndexError_", "IndexLock", "IndexLocked", "set_aside"]
