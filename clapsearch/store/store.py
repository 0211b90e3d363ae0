"""Store: the SQL side of an index. Every change is one transaction and bumps the index generation."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np
from sqlalchemy import create_engine, delete, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from clapsearch.store.schema import Base, FileRecord, IndexMetaRecord, SegmentRecord

GENERATION = "generation"
SQLITE_FILE = "metadata.sqlite"


@dataclass(frozen=True)
class FileState:
    """What the indexer compares against the disk to decide whether a file changed."""

    id: int
    path: str
    size: int
    mtime: float
    content_hash: str
    status: str


@dataclass(frozen=True)
class SegmentHit:
    segment_id: int
    path: str
    start: float
    end: float
    duration: float | None
    file_id: int = -1


@dataclass(frozen=True)
class FileInfo:
    """An indexed file's metadata, as search results show it."""

    file_id: int
    path: str
    duration: float | None
    format: str | None
    sample_rate: int | None
    channels: int | None
    size: int
    content_hash: str


def _sqlite_pragmas(engine: Engine, readonly: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if not readonly:  # journal_mode=WAL writes the file header; a reader must not write
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


class Store:
    """readonly: never write (no table creation, no pragma that writes), for queries on a read-only index."""

    def __init__(self, url: str, readonly: bool = False) -> None:
        self.url = url
        self.readonly = readonly
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            _sqlite_pragmas(self.engine, readonly)
        if not readonly:
            Base.metadata.create_all(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def sqlite_in(cls, folder: str | Path, readonly: bool = False) -> Store:
        path = Path(folder).resolve() / SQLITE_FILE
        if readonly and not (os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)):
            # A read-only mount or share: SQLite cannot create the WAL's -shm file there, so the database is
            # opened as immutable (nobody can change it while it is read-only).
            return cls(f"sqlite:///file:{quote(str(path))}?immutable=1&uri=true", readonly=True)
        return cls(f"sqlite:///{path}", readonly=readonly)

    def close(self) -> None:
        """Fold SQLite's write-ahead log into the database file and close the connections.

        A copied or read-only index then is one self-contained file (an immutable open ignores a WAL).
        """
        if self.engine.dialect.name == "sqlite" and not self.readonly:
            with self.engine.connect() as c:
                c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        self.engine.dispose()

    def session(self) -> Session:
        return self._session()

    # -- index meta --------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        with self.session() as s:
            return {r.key: r.value for r in s.scalars(select(IndexMetaRecord))}

    def set_meta(self, values: dict[str, str]) -> None:
        with self.session() as s, s.begin():
            for k, v in values.items():
                s.merge(IndexMetaRecord(key=k, value=str(v)))

    def generation(self) -> int:
        return int(self.meta().get(GENERATION, "0"))

    @staticmethod
    def _bump(s: Session) -> None:
        row = s.get(IndexMetaRecord, GENERATION)
        if row is None:
            s.add(IndexMetaRecord(key=GENERATION, value="1"))
        else:
            row.value = str(int(row.value) + 1)

    # -- files -------------------------------------------------------------------------------
    def file_states(self) -> dict[str, FileState]:
        with self.session() as s:
            rows = s.execute(select(FileRecord.id, FileRecord.path, FileRecord.size, FileRecord.mtime,
                                    FileRecord.content_hash, FileRecord.status))
            return {r.path: FileState(r.id, r.path, r.size, r.mtime, r.content_hash, r.status) for r in rows}

    def put_file(self, fields: dict[str, object],
                 segments: list[tuple[float, float, np.ndarray]]) -> tuple[list[int], list[int]]:
        """Insert or replace a file with its segments; return (removed segment ids, new segment ids)."""
        with self.session() as s, s.begin():
            rec = s.scalars(select(FileRecord).where(FileRecord.path == fields["path"])).one_or_none()
            removed: list[int] = []
            if rec is None:
                rec = FileRecord(**fields)
                s.add(rec)
            else:
                removed = [seg.id for seg in rec.segments]
                rec.segments.clear()
                for k, v in fields.items():
                    setattr(rec, k, v)
            s.flush()
            new = [SegmentRecord(file_id=rec.id, start=a, end=b, vector=np.asarray(v, "<f4").tobytes())
                   for a, b, v in segments]
            s.add_all(new)
            s.flush()
            self._bump(s)
            return removed, [seg.id for seg in new]

    def move_file(self, old_path: str, new_path: str, size: int, mtime: float) -> None:
        """Give an indexed file a new path (same content): its segments stay as they are."""
        with self.session() as s, s.begin():
            rec = s.scalars(select(FileRecord).where(FileRecord.path == old_path)).one()
            rec.path, rec.size, rec.mtime = new_path, size, mtime
            self._bump(s)

    def remove_files(self, paths: Iterable[str]) -> list[int]:
        """Delete files and their segments; return the removed segment ids."""
        paths = list(paths)
        if not paths:
            return []
        with self.session() as s, s.begin():
            ids: list[int] = []
            for chunk in range(0, len(paths), 500):
                part = paths[chunk:chunk + 500]
                file_ids = list(s.scalars(select(FileRecord.id).where(FileRecord.path.in_(part))))
                ids += list(s.scalars(select(SegmentRecord.id).where(SegmentRecord.file_id.in_(file_ids))))
                s.execute(delete(SegmentRecord).where(SegmentRecord.file_id.in_(file_ids)))
                s.execute(delete(FileRecord).where(FileRecord.id.in_(file_ids)))
            self._bump(s)
            return ids

    def skipped(self) -> list[tuple[str, str]]:
        with self.session() as s:
            rows = s.execute(select(FileRecord.path, FileRecord.error).where(FileRecord.status == "skipped"))
            return [(r.path, r.error or "") for r in rows]

    # -- segments ----------------------------------------------------------------------------
    def count_segments(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count(SegmentRecord.id))) or 0)

    def iter_vectors(self, dim: int, chunk: int = 4096) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (ids (n,), vectors (n, dim)) for every segment, in id order."""
        last = -1
        while True:
            with self.session() as s:
                rows = s.execute(select(SegmentRecord.id, SegmentRecord.vector).where(SegmentRecord.id > last)
                                 .order_by(SegmentRecord.id).limit(chunk)).all()
            if not rows:
                return
            ids = np.array([r.id for r in rows], dtype=np.int64)
            vecs = np.frombuffer(b"".join(r.vector for r in rows), dtype="<f4").reshape(len(rows), dim)
            last = int(ids[-1])
            yield ids, vecs

    def vectors_by_ids(self, ids: np.ndarray, dim: int) -> np.ndarray:
        """Return the (len(ids), dim) vectors of the given segments, in that order (zeros for unknown ids)."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        out = np.zeros((len(ids), dim), np.float32)
        where = {int(i): n for n, i in enumerate(ids)}
        with self.session() as s:
            for chunk in range(0, len(ids), 500):
                part = [int(i) for i in ids[chunk:chunk + 500]]
                for r in s.execute(select(SegmentRecord.id, SegmentRecord.vector).where(SegmentRecord.id.in_(part))):
                    out[where[r.id]] = np.frombuffer(r.vector, dtype="<f4")
        return out

    def segments(self, ids: Iterable[int]) -> dict[int, SegmentHit]:
        ids = [int(i) for i in ids]
        out: dict[int, SegmentHit] = {}
        with self.session() as s:
            for chunk in range(0, len(ids), 500):
                rows = s.execute(select(SegmentRecord.id, SegmentRecord.start, SegmentRecord.end, FileRecord.path,
                                        FileRecord.duration, SegmentRecord.file_id).join(FileRecord)
                                 .where(SegmentRecord.id.in_(ids[chunk:chunk + 500])))
                for r in rows:
                    out[r.id] = SegmentHit(r.id, r.path, r.start, r.end, r.duration, r.file_id)
        return out

    # -- search helpers (metadata filters, results, duplicates) ------------------------------------
    def segment_ids_where(self, clause: ColumnElement[bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return (segment ids, their file ids), int64 in segment id order, of the files matching an SQL clause
        on FileRecord's columns (None: every segment)."""
        stmt = select(SegmentRecord.id, SegmentRecord.file_id).order_by(SegmentRecord.id)
        if clause is not None:
            stmt = stmt.join(FileRecord).where(clause)
        with self.session() as s:
            rows = s.execute(stmt).all()
        arr = np.array(rows, dtype=np.int64).reshape(-1, 2)
        return arr[:, 0].copy(), arr[:, 1].copy()

    def files_by_id(self, ids: Iterable[int]) -> dict[int, FileInfo]:
        """Return the metadata of the given files (one query per 500 ids); unknown ids are left out."""
        ids = sorted({int(i) for i in ids})
        out: dict[int, FileInfo] = {}
        with self.session() as s:
            for chunk in range(0, len(ids), 500):
                rows = s.execute(select(FileRecord.id, FileRecord.path, FileRecord.duration, FileRecord.format,
                                        FileRecord.sample_rate, FileRecord.channels, FileRecord.size,
                                        FileRecord.content_hash).where(FileRecord.id.in_(ids[chunk:chunk + 500])))
                for r in rows:
                    out[r.id] = FileInfo(r.id, r.path, r.duration, r.format, r.sample_rate, r.channels, r.size,
                                         r.content_hash)
        return out

    def file_segments(self, file_id: int) -> list[tuple[int, float, float]]:
        """Return an indexed file's segments as (segment id, start, end), in segment id order."""
        with self.session() as s:
            rows = s.execute(select(SegmentRecord.id, SegmentRecord.start, SegmentRecord.end)
                             .where(SegmentRecord.file_id == file_id).order_by(SegmentRecord.id)).all()
        return [(r.id, r.start, r.end) for r in rows]

    def same_content(self) -> list[list[int]]:
        """Return groups (two or more) of indexed files with the same content hash, as file ids."""
        with self.session() as s:
            hashes = select(FileRecord.content_hash).where(FileRecord.status == "indexed") \
                .group_by(FileRecord.content_hash).having(func.count(FileRecord.id) > 1).scalar_subquery()
            rows = s.execute(select(FileRecord.content_hash, FileRecord.id).where(
                FileRecord.status == "indexed", FileRecord.content_hash.in_(hashes))
                .order_by(FileRecord.content_hash, FileRecord.id)).all()
        groups: dict[str, list[int]] = {}
        for r in rows:
            groups.setdefault(r.content_hash, []).append(r.id)
        return list(groups.values())

    def vectors_of(self, path: str, dim: int) -> np.ndarray:
        """Return the (n, dim) segment vectors of an indexed file, in segment id order (empty if not indexed)."""
        with self.session() as s:
            rows = s.execute(select(SegmentRecord.vector).join(FileRecord).where(FileRecord.path == path)
                             .order_by(SegmentRecord.id)).all()
        if not rows:
            return np.zeros((0, dim), np.float32)
        return np.frombuffer(b"".join(r.vector for r in rows), dtype="<f4").reshape(len(rows), dim).copy()
