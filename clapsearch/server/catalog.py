"""What the API shows of indexed files: their metadata by id, by path and in summary (SQL reads only)."""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from clapsearch.paths import display_path
from clapsearch.store import FileRecord, SegmentRecord, Store

INDEXED = "indexed"


@dataclass(frozen=True)
class FileInfo:
    """An indexed file as the API shows it (a result without its score and segment)."""

    file_id: int
    path: str  # the OS path (served by id only; shown through display_path)
    duration: float | None
    format: str | None
    sample_rate: int | None
    channels: int | None
    size: int

    def to_dict(self) -> dict[str, object]:
        shown = display_path(self.path)
        return {"file_id": self.file_id, "path": shown, "name": os.path.basename(shown),
                "folder": os.path.dirname(shown), "duration": _round(self.duration), "format": self.format,
                "sample_rate": self.sample_rate, "channels": self.channels, "size": self.size}


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


_COLUMNS = (FileRecord.id, FileRecord.path, FileRecord.duration, FileRecord.format, FileRecord.sample_rate,
            FileRecord.channels, FileRecord.size)


def _info(r: object) -> FileInfo:
    return FileInfo(r.id, r.path, r.duration, r.format, r.sample_rate, r.channels, r.size)  # type: ignore[attr-defined]


def file_by_id(store: Store, file_id: int) -> FileInfo | None:
    """Return an indexed file (status indexed) by its id, or None."""
    with store.session() as s:
        row = s.execute(select(*_COLUMNS).where(FileRecord.id == file_id, FileRecord.status == INDEXED)).first()
    return None if row is None else _info(row)


def files_by_path(store: Store, paths: Iterable[str]) -> dict[str, FileInfo]:
    """Return the indexed files among the given OS paths, keyed by path."""
    paths = list(dict.fromkeys(paths))
    out: dict[str, FileInfo] = {}
    with store.session() as s:
        for i in range(0, len(paths), 500):
            rows = s.execute(select(*_COLUMNS).where(FileRecord.path.in_(paths[i:i + 500]),
                                                     FileRecord.status == INDEXED))
            out.update({r.path: _info(r) for r in rows})
    return out


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
