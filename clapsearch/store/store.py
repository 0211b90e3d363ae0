"""Store: the SQL side of an index. Every change is one transaction and bumps the index generation."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
from sqlalchemy import create_engine, delete, event, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from clapsearch.paths import escape_path
from clapsearch.store.schema import Base, FileRecord, IndexMetaRecord, SegmentRecord
from clapsearch.store.storage import VECTOR_BLOBS, VECTOR_FILE, VectorStorage, add_row_columns, has_row_columns
from clapsearch.store.vectorfile import to_rows

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
    """readonly: never write (no table creation, no pragma that writes), for queries on a read-only index.

    vector_dir: the index folder, where segment vectors are kept once, as float16 rows of a vector file
    (clapsearch.store.storage); None keeps new vectors as float32 SQL blobs (a database without a folder).
    Vectors of an older index stay readable from their blobs until migrate_vectors moves them.
    """

    def __init__(self, url: str, readonly: bool = False, vector_dir: str | Path | None = None) -> None:
        self.url = url
        self.readonly = readonly
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            _sqlite_pragmas(self.engine, readonly)
        self._row_columns: bool | None = None
        if not readonly:
            Base.metadata.create_all(self.engine)
            add_row_columns(self.engine)
            self._row_columns = True
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self.storage = VectorStorage(vector_dir, writable=not readonly) if vector_dir is not None else None
        self.damaged: set[int] = set()  # segments whose stored vector failed its check on a read
        self._removed = False  # this store removed segments: their rows are garbage (see compact_vectors)
        if self.storage is not None and not readonly:
            with self.session() as s:
                self.storage.open_writer(s)

    @classmethod
    def sqlite_in(cls, folder: str | Path, readonly: bool = False, vectors_in_folder: bool = True) -> Store:
        """The SQLite database of an index folder (and its vector file, unless vectors_in_folder is False)."""
        path = Path(folder).resolve() / SQLITE_FILE
        vector_dir = path.parent if vectors_in_folder else None
        if readonly and not (os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)):
            # A read-only mount or share: SQLite cannot create the WAL's -shm file there, so the database is
            # opened as immutable (nobody can change it while it is read-only).
            return cls(f"sqlite:///file:{quote(str(path))}?immutable=1&uri=true", readonly=True,
                       vector_dir=vector_dir)
        return cls(f"sqlite:///{path}", readonly=readonly, vector_dir=vector_dir)

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
        vectors = np.stack([np.asarray(v, np.float32).reshape(-1) for _, _, v in segments]) if segments else None
        start, crcs = -1, np.zeros(0, np.int64)
        if vectors is not None and self.storage is not None:
            with self.session() as s:  # appended and fsynced before the commit that refers to the rows
                start, crcs = self.storage.append(s, vectors)
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
            if start >= 0:
                new = [SegmentRecord(file_id=rec.id, start=a, end=b, vector=b"", vector_row=start + i,
                                     vector_crc=int(crcs[i])) for i, (a, b, _) in enumerate(segments)]
                VectorStorage.committed(s, start + len(segments))
            else:
                new = [SegmentRecord(file_id=rec.id, start=a, end=b, vector=np.asarray(v, "<f4").tobytes())
                       for a, b, v in segments]
                if new:  # blobs again: a later migration must look for them
                    s.execute(delete(IndexMetaRecord).where(IndexMetaRecord.key == VECTOR_BLOBS))
            s.add_all(new)
            s.flush()
            self._bump(s)
            self._removed |= bool(removed)
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
            self._removed |= bool(ids)
            return ids

    def skipped(self) -> list[tuple[str, str]]:
        with self.session() as s:
            rows = s.execute(select(FileRecord.path, FileRecord.error).where(FileRecord.status == "skipped"))
            return [(r.path, r.error or "") for r in rows]

    # -- segments ----------------------------------------------------------------------------
    def count_segments(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count(SegmentRecord.id))) or 0)

    def _has_row_columns(self) -> bool:
        if self._row_columns is None:
            self._row_columns = has_row_columns(self.engine)
        return self._row_columns

    def _decode(self, rows: Sequence[Any], dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(vectors (n, dim) float32, mask of the good ones) of vector-read rows (id, vector_row, vector_crc,
        vector, vector_file); bad ones noted in damaged."""
        if self.storage is None:
            ok = np.array([r[1] is None and len(r[3]) == 4 * dim for r in rows], bool)
            out = np.zeros((len(rows), dim), np.float32)
            if ok.any():
                out[ok] = np.frombuffer(b"".join(r[3] for r, g in zip(rows, ok) if g), "<f4").reshape(-1, dim)
        else:
            out, ok = self.storage.decode(rows, dim)
        if not ok.all():
            self.damaged.update(int(r[0]) for r, g in zip(rows, ok) if not g)
        return out, ok

    def _fetch(self, sql: str, params: tuple[object, ...]) -> list[tuple[Any, ...]]:
        """Rows of a plain SQL read as the driver gives them (tuples: no SQLAlchemy row processing)."""
        with self.engine.connect() as c:
            cur = c.connection.cursor()
            try:
                cur.execute(sql, params)
                return list(cur.fetchall())
            finally:
                cur.close()

    def _vector_sql(self) -> tuple[str, str]:
        """(the SELECT ... of a vector read, the driver's parameter mark). Plain SQL text: a FAISS rebuild reads
        every row and ivf-pq's re-rank ~640 per query, where SQLAlchemy's row processing cost 3x the read."""
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        if self._has_row_columns():  # the file's name in the same statement: one snapshot, even across compaction
            return ("select id, vector_row, vector_crc, vector, (select value from index_meta where key = "
                    f"'{VECTOR_FILE}') as vector_file", mark)
        return "select id, null as vector_row, null as vector_crc, vector, null as vector_file", mark

    def iter_vectors(self, dim: int, chunk: int = 4096) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (ids (n,), vectors (n, dim)) for every segment, in id order. A vector that fails its check (a
        damaged or missing row of the vector file) is left out, its segment id added to `damaged`."""
        last = -1
        head, mark = self._vector_sql()
        while True:
            rows = self._fetch(f"{head} from segments where id > {mark} order by id limit {int(chunk)}", (last,))
            if not rows:
                return
            vecs, ok = self._decode(rows, dim)
            ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
            last = int(ids[-1])
            yield (ids, vecs) if ok.all() else (ids[ok], vecs[ok])

    def vectors_by_ids(self, ids: np.ndarray, dim: int) -> np.ndarray:
        """Return the (len(ids), dim) vectors of the given segments, in that order (zeros for unknown ids and for
        vectors that fail their check)."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        out = np.zeros((len(ids), dim), np.float32)
        where = {int(i): n for n, i in enumerate(ids)}
        head, mark = self._vector_sql()
        for chunk in range(0, len(ids), 1000):
            part = tuple(int(i) for i in ids[chunk:chunk + 1000])
            rows = self._fetch(f"{head} from segments where id in ({', '.join([mark] * len(part))})", part)
            if rows:
                out[[where[r[0]] for r in rows]] = self._decode(rows, dim)[0]
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
        """Return the (n, dim) segment vectors of an indexed file, in segment id order (empty if not indexed; a
        vector that fails its check is zeros)."""
        head, mark = self._vector_sql()
        rows = self._fetch(f"{head} from segments where file_id = (select id from files where path = {mark}) "
                           "order by id", (escape_path(path),))  # paths are stored escaped (clapsearch.paths)
        return self._decode(rows, dim)[0]

    # -- vector storage upkeep (writer) ------------------------------------------------------------------------
    @staticmethod
    def stored(vectors: np.ndarray) -> np.ndarray:
        """Vectors as a read gives them back from the vector file (float16 precision), as float32."""
        v = np.asarray(vectors, np.float32)
        return to_rows(v, v.shape[-1]).astype(np.float32).reshape(v.shape)

    def migrate_vectors(self) -> int:
        """Move the float32 blobs of an older index into the vector file (crash-safe, a batch per commit);
        return how many moved. SQLite's file is then vacuumed to give the blobs' space back."""
        if self.storage is None or self.readonly:
            return 0
        moved = self.storage.migrate(self.session)
        if moved and self.engine.dialect.name == "sqlite":
            with self.engine.connect() as c:
                c.exec_driver_sql("VACUUM")
        return moved

    def compact_vectors(self, force: bool = False) -> int:
        """Rewrite the vector file without the rows of removed segments when they are over COMPACT_GARBAGE of it
        (or whenever force); return the rows dropped. Without force, only a store that removed segments looks
        (counting the live rows reads every segment: an unchanged re-index of 10M segments should not)."""
        if self.storage is None or self.readonly or not (force or self._removed):
            return 0
        with self.session() as s:
            if not self.storage.needs_compaction(s, force):
                return 0
        return self.storage.compact(self.session)

    def drop_damaged(self) -> tuple[list[str], list[int]]:
        """Remove the files' segments where one was found damaged (`damaged`) and mark those files changed (size
        -1), so that the next index run embeds them again; one commit. Return (their paths, the removed ids)."""
        if not self.damaged:
            return [], []
        ids = sorted(self.damaged)
        with self.session() as s, s.begin():
            file_ids: set[int] = set()
            for chunk in range(0, len(ids), 500):
                part_ids = ids[chunk:chunk + 500]
                file_ids.update(s.scalars(select(SegmentRecord.file_id).where(SegmentRecord.id.in_(part_ids))))
            fids = sorted(file_ids)
            paths: list[str] = []
            removed: list[int] = []
            for chunk in range(0, len(fids), 500):
                part = fids[chunk:chunk + 500]
                paths += list(s.scalars(select(FileRecord.path).where(FileRecord.id.in_(part))))
                removed += list(s.scalars(select(SegmentRecord.id).where(SegmentRecord.file_id.in_(part))))
                s.execute(delete(SegmentRecord).where(SegmentRecord.file_id.in_(part)))
                s.execute(update(FileRecord).where(FileRecord.id.in_(part)).values(size=-1))
            self._bump(s)
        self.damaged.clear()
        self._removed = True
        return paths, removed
