"""VectorStorage: the vector side of a Store. Vectors live once, in a VectorFile in the index folder, at rows SQL
records; segments of indexes written before it keep their float32 blob (vector_row NULL) until migrated.

Crash rules (SQL is the source of truth):
- new rows are appended and fsynced before the SQL commit that refers to them; meta `vector_rows` (in the same
  commit) bounds every committed row, and a writer cuts the file back to it on open;
- a compaction writes the live rows to a new file (fsynced), then in one SQL transaction renumbers the rows and
  names the new file (meta `vector_file`); the old file is removed after the commit, and a writer removes any
  vector file the meta does not name (the leftover of a crash on either side of that commit);
- a migration appends a batch of blob vectors, then in one commit points those segments at their rows and empties
  their blobs.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, inspect, select, text, update
from sqlalchemy.orm import Session

from clapsearch.store.schema import IndexMetaRecord, SegmentRecord
from clapsearch.store.vectorfile import VectorFile, VectorFileError, fsync_dir

log = logging.getLogger(__name__)

VECTOR_FILE = "vector_file"  # meta: the vector file's name in the index folder
VECTOR_ROWS = "vector_rows"  # meta: rows of that file SQL knows; every committed vector_row is below it
VECTOR_BLOBS = "vector_blobs"  # meta: "none" once no segment keeps its vector as a blob (migrated)
FIRST_NAME = "vectors.f16"
_NAME = re.compile(r"^vectors(?:-(\d+))?\.f16$")
COMPACT_GARBAGE = 0.5  # compact when more than this share of the file's rows belong to no segment
MIGRATE_BATCH = 65536


def has_row_columns(engine: Engine) -> bool:
    return {"vector_row", "vector_crc"} <= {c["name"] for c in inspect(engine).get_columns("segments")}


def add_row_columns(engine: Engine) -> None:
    """Give a segments table of an older clapsearch its vector_row and vector_crc columns (both NULL: blobs)."""
    have = {c["name"] for c in inspect(engine).get_columns("segments")}
    with engine.begin() as c:
        for name in ("vector_row", "vector_crc"):
            if name not in have:
                c.execute(text(f"ALTER TABLE segments ADD COLUMN {name} BIGINT"))


def _meta(s: Session, key: str) -> str | None:
    row = s.get(IndexMetaRecord, key)
    return None if row is None else row.value


def _set_meta(s: Session, key: str, value: str) -> None:
    s.merge(IndexMetaRecord(key=key, value=value))


class VectorStorage:
    """The vector files of one index folder, for a Store (writable: appends, cuts, migrates, compacts)."""

    def __init__(self, folder: str | Path, writable: bool) -> None:
        self.folder = Path(folder)
        self.writable = writable
        self._file: VectorFile | None = None

    def file(self, name: str | None, dim: int | None = None) -> VectorFile | None:
        """The named vector file, opened (None: no name, or no usable file under it)."""
        if name is None:
            return None
        path = self.folder / name
        if self._file is not None and self._file.path == path:
            return self._file
        try:
            self._file = VectorFile(path, dim, writable=self.writable)
        except (OSError, VectorFileError) as e:
            log.warning("vector file %s cannot be read (%s): its vectors count as damaged", path, e)
            return None
        return self._file

    def open_writer(self, s: Session) -> None:
        """A writer's open: cut the file back to the rows SQL knows, remove vector files SQL does not name."""
        name, rows = _meta(s, VECTOR_FILE), int(_meta(s, VECTOR_ROWS) or 0)
        for stray in self.folder.glob("vectors*.f16"):
            if _NAME.match(stray.name) and stray.name != name:
                log.info("removing %s: a vector file the index does not use (an interrupted write)", stray)
                stray.unlink()
        f = self.file(name)
        if f is not None and (cut := f.truncate(rows)):
            log.info("cut %d vector rows no commit refers to off %s (an interrupted write)", cut, f.path)

    def append(self, s: Session, vectors: np.ndarray) -> tuple[int, np.ndarray]:
        """Append vectors (fsynced) to the current file, created if there is none; return (first row, CRCs).
        The caller's commit must then call committed()."""
        name = _meta(s, VECTOR_FILE) or FIRST_NAME
        dim = int(np.asarray(vectors).shape[-1])
        f = self.file(name, dim) if (self.folder / name).exists() else None
        if f is None:
            if (self.folder / name).exists():  # damaged header: set aside, start a new file under the same name
                (self.folder / name).rename(self.folder / (name + ".damaged"))
            f = self._file = VectorFile.create(self.folder / name, dim)
        return f.append(vectors)

    @staticmethod
    def committed(s: Session, end: int) -> None:
        """In the commit that refers to rows below `end`: record the file and its known rows."""
        _set_meta(s, VECTOR_FILE, _meta(s, VECTOR_FILE) or FIRST_NAME)
        _set_meta(s, VECTOR_ROWS, str(max(end, int(_meta(s, VECTOR_ROWS) or 0))))

    def decode(self, rows: Sequence[Any], dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(n, dim) float32 vectors of SQL rows (id, vector_row, vector_crc, vector, vector_file) and a mask of the
        good ones: a row in the named file with the CRC-32 SQL recorded, or an old float32 blob of the right size."""
        if not rows:
            return np.zeros((0, dim), np.float32), np.zeros(0, bool)
        _, at, crc, blob, names = zip(*rows)
        f = self.file(names[0], dim) if names[0] is not None else None
        usable = f is not None and f.dim == dim
        if None not in at:  # the usual case: every vector in the file
            if f is None or not usable:
                return np.zeros((len(rows), dim), np.float32), np.zeros(len(rows), bool)
            return f.read_checked(np.fromiter(at, np.int64, len(at)), np.fromiter(crc, np.int64, len(crc)))
        out = np.zeros((len(rows), dim), np.float32)  # an older index, not (wholly) migrated yet: blobs
        good = np.zeros(len(rows), bool)
        for i, (a, b) in enumerate(zip(at, blob)):
            if a is None and b is not None and len(b) == 4 * dim:
                out[i], good[i] = np.frombuffer(b, dtype="<f4"), True
        where = np.array([i for i, a in enumerate(at) if a is not None], np.int64)
        if len(where) and f is not None and usable:
            out[where], good[where] = f.read_checked(np.array([at[i] for i in where], np.int64),
                                                     np.array([crc[i] for i in where], np.int64))
        return out, good

    # -- maintenance (writer) ----------------------------------------------------------------------------------
    def migrate(self, session: Any, batch: int | None = None) -> int:
        """Move every float32 blob vector into the file, a batch per commit; return how many moved."""
        moved, batch, last = 0, batch or MIGRATE_BATCH, -1
        while True:
            with session() as s:
                if _meta(s, VECTOR_BLOBS) == "none":  # migrated (or never had any): no scan of every segment
                    return moved
                rows = s.execute(select(SegmentRecord.id, SegmentRecord.vector).where(
                    SegmentRecord.vector_row.is_(None), SegmentRecord.id > last).order_by(SegmentRecord.id)
                    .limit(batch)).all()
            if not rows:
                with session() as s, s.begin():
                    _set_meta(s, VECTOR_BLOBS, "none")
                return moved
            last = rows[-1].id
            with session() as s:
                dim = len(rows[0].vector) // 4
                vecs = np.frombuffer(b"".join(r.vector for r in rows), dtype="<f4").reshape(len(rows), dim)
                start, crcs = self.append(s, vecs)
            with session() as s, s.begin():  # a plain executemany: the ORM's bulk update took 3x the rest
                mark = "?" if s.get_bind().dialect.paramstyle == "qmark" else "%s"
                s.connection().exec_driver_sql(
                    f"update segments set vector_row = {mark}, vector_crc = {mark}, vector = {mark} where id = {mark}",
                    [(start + i, int(crcs[i]), b"", r.id) for i, r in enumerate(rows)])
                self.committed(s, start + len(rows))
            moved += len(rows)

    @staticmethod
    def needs_compaction(s: Session, force: bool = False) -> bool:
        """True when rows no segment refers to are over COMPACT_GARBAGE of the file (force: when there are any)."""
        known = int(_meta(s, VECTOR_ROWS) or 0)
        live = int(s.scalar(select(func.count(SegmentRecord.id)).where(SegmentRecord.vector_row.is_not(None))) or 0)
        return known > live and (force or known - live > COMPACT_GARBAGE * known)

    def compact(self, session: Any) -> int:
        """Copy the live rows, in row order, to a new file; renumber them and name it in one commit; remove the
        old file. Return the rows dropped."""
        with session() as s:
            old = _meta(s, VECTOR_FILE)
            f = self.file(old)
            if old is None or f is None:
                return 0
            rows = np.array(s.scalars(select(SegmentRecord.vector_row).where(SegmentRecord.vector_row.is_not(None))
                                      .order_by(SegmentRecord.vector_row)).all(), np.int64)
            dropped = int(_meta(s, VECTOR_ROWS) or 0) - len(rows)
        m = _NAME.match(old)
        new = f"vectors-{int(m.group(1) or 0) + 1 if m else 1}.f16"
        f.copy_rows(rows, self.folder / new)
        fsync_dir(self.folder)
        self.swap(session, new, len(rows))
        self._file = None
        (self.folder / old).unlink(missing_ok=True)
        fsync_dir(self.folder)
        log.info("compacted the vector file of %s: %d rows kept, %d dropped", self.folder, len(rows), dropped)
        return dropped

    def swap(self, session: Any, new: str, rows: int) -> None:
        """The compaction's commit: every segment's row becomes its rank in row order, in the new file."""
        seg = SegmentRecord.__table__
        ranked = select(seg.c.id, (func.row_number().over(order_by=seg.c.vector_row) - 1).label("rank")) \
            .where(seg.c.vector_row.is_not(None)).subquery()
        with session() as s, s.begin():
            s.execute(update(seg).where(  # type: ignore[arg-type]
                seg.c.id == ranked.c.id).values(vector_row=ranked.c.rank))
            _set_meta(s, VECTOR_FILE, new)
            _set_meta(s, VECTOR_ROWS, str(rows))
