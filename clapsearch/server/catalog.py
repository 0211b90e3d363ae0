"""What the API shows of indexed files: their fields, one by id, and a summary (SQL reads only)."""
from __future__ import annotations

import os

from sqlalchemy import func, select

from clapsearch.paths import display_path
from clapsearch.store import FileRecord, SegmentRecord, Store
from clapsearch.store.store import FileInfo

INDEXED = "indexed"


def file_fields(info: FileInfo) -> dict[str, object]:
    """An indexed file as the API shows it (a result without its score and segment)."""
    shown = display_path(info.path)
    return {"file_id": info.file_id, "path": shown, "name": os.path.basename(shown),
            "folder": os.path.dirname(shown), "duration": _round(info.duration), "format": info.format,
            "sample_rate": info.sample_rate, "channels": info.channels, "size": info.size}


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


def file_by_id(store: Store, file_id: int) -> FileInfo | None:
    """Return an indexed file (status indexed: only those are served) by its id, or None."""
    with store.session() as s:
        r = s.execute(select(FileRecord.id, FileRecord.path, FileRecord.duration, FileRecord.format,
                             FileRecord.sample_rate, FileRecord.channels, FileRecord.size, FileRecord.content_hash)
                      .where(FileRecord.id == file_id, FileRecord.status == INDEXED)).first()
    return None if r is None else FileInfo(r.id, r.path, r.duration, r.format, r.sample_rate, r.channels, r.size,
                                           r.content_hash)


def summary(store: Store) -> dict[str, object]:
    """Counts and the distinct values the page offers as filters."""
    ok = FileRecord.status == INDEXED
    with store.session() as s:
        files = int(s.scalar(select(func.count(FileRecord.id)).where(ok)) or 0)
        segments = int(s.scalar(select(func.count(SegmentRecord.id))) or 0)
        formats = sorted(f for f in s.scalars(select(FileRecord.format).where(ok).distinct()) if f)
        rates = sorted(int(r) for r in s.scalars(select(FileRecord.sample_rate).where(ok).distinct()) if r)
        lo, hi = s.execute(select(func.min(FileRecord.duration), func.max(FileRecord.duration)).where(ok)).one()
        folders: set[str] = set()
        for path in s.scalars(select(FileRecord.path).where(ok)):
            folders.add(os.path.dirname(display_path(path)))
    return {"files": files, "segments": segments, "formats": formats, "folders": sorted(folders),
            "sample_rates": rates, "duration_min": _round(lo), "duration_max": _round(hi)}
