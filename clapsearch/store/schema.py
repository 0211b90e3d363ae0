"""Tables: one row per file, one per searchable segment (with its vector), and the index's meta."""
from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from clapsearch.paths import escape_path, unescape_path


class OsPath(TypeDecorator[str]):
    """A file path: an OS path in Python, its escaped text form in SQL (see clapsearch.paths).

    A name that is not valid UTF-8 cannot be stored as SQL text as it is; ordinary names are stored unchanged.
    """

    impl = String(4096)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: object) -> str | None:
        return None if value is None else escape_path(value)

    def process_result_value(self, value: str | None, dialect: object) -> str | None:
        return None if value is None else unescape_path(value)


class Base(DeclarativeBase):
    pass


class FileRecord(Base):
    __tablename__ = "files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(OsPath(), unique=True, index=True)
    size: Mapped[int] = mapped_column(BigInteger)  # bytes: a 4-hour 24-bit WAV passes 2 GiB
    mtime: Mapped[float] = mapped_column(Float)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    sample_rate: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channels: Mapped[int | None] = mapped_column(Integer, nullable=True)
    format: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # "indexed" or "skipped"
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    segments: Mapped[list[SegmentRecord]] = relationship(back_populates="file", cascade="all, delete-orphan",
                                                         order_by="SegmentRecord.start")


class SegmentRecord(Base):
    """A window of a file. Its id is its FAISS id; its vector is at vector_row of the index folder's vector file
    (clapsearch.store.vectorfile), where FAISS is rebuilt from. Indexes of an older clapsearch kept it in `vector`
    (vector_row NULL) until their next `clapsearch index` run moves it to the file; new segments store b"" there."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), index=True)
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    vector: Mapped[bytes] = mapped_column(LargeBinary, default=b"")  # old indexes: float32, little-endian
    vector_row: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    vector_crc: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # CRC-32 of the row's bytes

    file: Mapped[FileRecord] = relationship(back_populates="segments")


class IndexMetaRecord(Base):
    __tablename__ = "index_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
