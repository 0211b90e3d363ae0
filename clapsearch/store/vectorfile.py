"""VectorFile: an index's segment vectors, once, in an append-only float16 file read through a memory map.

Layout: a 64-byte header (magic, dtype, dimension), then one row per vector: `dim` float16 values, little-endian.
The row a segment's vector lives at (and the CRC-32 of that row's bytes) is recorded in SQL (segments.vector_row,
segments.vector_crc); SQL is the source of truth. Rows are appended and fsynced before the SQL commit that refers
to them, so a crash in between leaves only rows past the last committed one (cut off at the next writable open).
Rows of removed segments stay as garbage until a compaction copies the live rows into a new file.
"""
from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np

MAGIC = b"CLAPVEC1"
HEADER = 64  # bytes before row 0
DTYPE = "<f2"
_HEAD = struct.Struct("<8s4sI")  # magic, dtype name, dimension


class VectorFileError(ValueError):
    """A vector file that cannot be used (not one, another dimension, damaged header)."""


def to_rows(vectors: np.ndarray, dim: int) -> np.ndarray:
    """(n, dim) vectors as the file stores them: float16 little-endian, C-contiguous."""
    return np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(-1, dim), dtype=DTYPE)


def row_crcs(rows: np.ndarray) -> np.ndarray:
    """The CRC-32 of each stored row's bytes, (n,) int64 (rows: (n, dim) float16 as to_rows gives)."""
    rows = np.ascontiguousarray(rows, dtype=DTYPE)
    flat = memoryview(rows.view(np.uint8).reshape(-1).data)
    step = rows.shape[1] * 2 if rows.ndim == 2 else 0
    return np.fromiter((zlib.crc32(flat[i * step:(i + 1) * step]) for i in range(len(rows))), np.int64, len(rows))


def fsync_dir(folder: Path) -> None:
    """Make a file's creation, rename or removal in folder durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class VectorFile:
    """One vector file. Readers map it (remapped when asked for rows it has grown to); the writer appends."""

    def __init__(self, path: str | Path, dim: int | None = None, writable: bool = False) -> None:
        """Open a vector file; dim, when given, must be the file's (None: the header's)."""
        self.path = Path(path)
        self.writable = writable
        self._map: np.ndarray | None = None
        with open(self.path, "rb") as f:
            head = f.read(HEADER)
        if len(head) < _HEAD.size:
            raise VectorFileError(f"{self.path} is too short to be a vector file ({len(head)} bytes)")
        magic, dtype, got = _HEAD.unpack_from(head)
        if magic != MAGIC or dtype.rstrip(b"\0") != b"f16":
            raise VectorFileError(f"{self.path} is not a clapsearch vector file (damaged header)")
        if got <= 0 or (dim is not None and got != dim):
            raise VectorFileError(f"{self.path} holds {got}-d vectors, the index {dim}-d")
        self.dim = int(got)
        self.row_bytes = self.dim * 2

    @classmethod
    def create(cls, path: str | Path, dim: int) -> VectorFile:
        """Write a new, empty vector file (header only, fsynced with its folder entry) and open it to append."""
        if dim <= 0:
            raise ValueError(f"vector dimension must be positive, got {dim}")
        path = Path(path)
        with open(path, "wb") as f:
            f.write(_HEAD.pack(MAGIC, b"f16", dim).ljust(HEADER, b"\0"))
            f.flush()
            os.fsync(f.fileno())
        fsync_dir(path.parent)
        return cls(path, dim, writable=True)

    @property
    def rows(self) -> int:
        """Whole rows the file holds now (a partial last row, from a crash mid-append, is not counted)."""
        return max(0, (self.path.stat().st_size - HEADER) // self.row_bytes)

    def append(self, vectors: np.ndarray) -> tuple[int, np.ndarray]:
        """Append (n, dim) vectors as float16, fsync; return (the first new row, each new row's CRC-32)."""
        if not self.writable:
            raise VectorFileError(f"{self.path} is open read-only")
        rows = to_rows(vectors, self.dim)
        with open(self.path, "r+b") as f:
            start = max(0, (os.fstat(f.fileno()).st_size - HEADER) // self.row_bytes)
            f.seek(HEADER + start * self.row_bytes)  # over a partial row a crash may have left
            f.write(rows.tobytes())
            f.flush()
            os.fdatasync(f.fileno())
        return int(start), row_crcs(rows)

    def truncate(self, rows: int) -> int:
        """Cut the file to its first `rows` rows (those SQL refers to); return how many rows were cut off."""
        have = self.rows
        size = self.path.stat().st_size
        if size <= HEADER + rows * self.row_bytes:
            return 0
        self._map = None
        with open(self.path, "r+b") as f:
            f.truncate(HEADER + rows * self.row_bytes)
            os.fsync(f.fileno())
        return max(0, have - rows)

    def _mapped(self, need: int) -> np.ndarray:
        """The file's rows as a read-only (rows, dim) float16 memory map holding at least `need` rows if it can."""
        if self._map is None or len(self._map) < need:
            n = self.rows
            self._map = np.zeros((0, self.dim), DTYPE) if n == 0 else \
                np.memmap(self.path, dtype=DTYPE, mode="r", offset=HEADER, shape=(n, self.dim))
        return self._map

    def read(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (the given rows as stored, (n, dim) float16; a mask of the rows the file holds). Rows it does not
        hold (a truncated file) come back as zeros, masked False."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        mapped = self._mapped(int(rows.max()) + 1 if len(rows) else 0)
        held = (rows >= 0) & (rows < len(mapped))
        if held.all():
            if len(rows) > 1 and rows[-1] - rows[0] == len(rows) - 1 and (np.diff(rows) == 1).all():
                return np.array(mapped[rows[0]:rows[-1] + 1]), held  # consecutive rows (a rebuild): one copy
            return np.asarray(mapped[rows]), held
        out = np.zeros((len(rows), self.dim), DTYPE)
        out[held] = mapped[rows[held]]
        return out, held

    def read_checked(self, rows: np.ndarray, crcs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (the rows as float32, a mask of the good ones): a row is good when the file holds it and its bytes
        have the CRC-32 SQL recorded for it; bad rows come back as zeros."""
        data, held = self.read(rows)
        good = held & (row_crcs(data) == np.asarray(crcs, dtype=np.int64).reshape(-1))
        out = data.astype(np.float32)
        if not good.all():
            out[~good] = 0
        return out, good

    def copy_rows(self, rows: np.ndarray, dest: str | Path, chunk: int = 65536) -> VectorFile:
        """Write the given rows, in that order, to a new vector file at dest (fsynced); return it."""
        out = VectorFile.create(dest, self.dim)
        rows = np.asarray(rows, dtype=np.int64)
        with open(out.path, "r+b") as f:
            f.seek(HEADER)
            for at in range(0, len(rows), chunk):
                data, _ = self.read(rows[at:at + chunk])  # a row it lacks: zeros, still caught by its CRC
                f.write(data.tobytes())
            f.flush()
            os.fsync(f.fileno())
        return out
