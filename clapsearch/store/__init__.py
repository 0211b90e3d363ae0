"""SQL metadata of an index (files, segments, index meta) through SQLAlchemy; knows nothing of models."""
from __future__ import annotations

from clapsearch.store.schema import FileRecord, IndexMetaRecord, SegmentRecord
from clapsearch.store.store import Store

__all__ = ["FileRecord", "IndexMetaRecord", "SegmentRecord", "Store"]
