"""Metadata filters as query objects (beets' style): each becomes an SQL clause on the files table.

A filter selects the matching files' segment ids in SQL *before* the vector search, which then runs only among
them (a FAISS id selector), so a selective filter loses no recall. The command line and the server share one
syntax:

    --where 'duration<5'  --where 'sample_rate>=44100'  --where 'size<10M'  --where 'channels=2'
    --folder foley        (files under that folder: a path, or a bare name matching any folder of that name)
    --format wav --format flac                      (any of these formats)
    --path dog            (path contains "dog", any case)   --path '*.wav'  (glob over the path; * crosses folders)

Several filters are ANDed; repeated --format values are ORed.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import String, and_, false, func, or_, true, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from clapsearch.errors import OptionError
from clapsearch.paths import escape_path
from clapsearch.store.schema import FileRecord

# field -> (column, unit suffixes and their factor); a bare number is in the first unit named in the help.
_UNITS: dict[str, dict[str, float]] = {
    "duration": {"": 1.0, "s": 1.0, "ms": 1e-3, "min": 60.0, "m": 60.0, "h": 3600.0},
    "sample_rate": {"": 1.0, "hz": 1.0, "k": 1e3, "khz": 1e3},
    "channels": {"": 1.0},
    "size": {"": 1.0, "b": 1.0, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9,
             "kib": 1024.0, "mib": 1024.0 ** 2, "gib": 1024.0 ** 3},
}
_ALIASES = {"sr": "sample_rate", "samplerate": "sample_rate", "rate": "sample_rate", "length": "duration",
            "dur": "duration", "ch": "channels", "bytes": "size"}
_NUMBER = r"-?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?"
_EXPR = re.compile(rf"^\s*([A-Za-z_]+)\s*(<=|>=|!=|==|<|>|=)\s*({_NUMBER})\s*([A-Za-z]*)\s*$")
# soundfile's format names that a user's short name stands for
_FORMATS = {"wav": ("WAV", "WAVEX", "RF64", "W64"), "aif": ("AIFF", "AIFC"), "aiff": ("AIFF", "AIFC"),
            "ogg": ("OGG",), "opus": ("OGG",), "oga": ("OGG",)}

ACCEPTED = ("fields duration (s; ms, min, h), sample_rate (Hz; k), channels, size (bytes; K, M, G, KiB, MiB, "
            "GiB) with < <= > >= = !=, e.g. 'duration<5', 'sample_rate>=44.1k', 'size<10M'")


class Query:
    """A metadata filter: `clause()` is a boolean SQL expression over FileRecord's columns."""

    def clause(self) -> ColumnElement[bool]:
        raise NotImplementedError


@dataclass(frozen=True)
class NumericQuery(Query):
    """A comparison of a numeric column (duration, sample_rate, channels, size) with a number."""

    field: str
    op: str
    value: float

    def clause(self) -> ColumnElement[bool]:
        col = getattr(FileRecord, self.field)
        ops = {"<": col < self.value, "<=": col <= self.value, ">": col > self.value, ">=": col >= self.value,
               "=": col == self.value, "==": col == self.value, "!=": col != self.value}
        return ops[self.op]


@dataclass(frozen=True)
class FolderQuery(Query):
    """Files under an absolute folder (`prefix`), or, with `anywhere`, under any folder of that name."""

    prefix: str
    anywhere: bool = False

    def clause(self) -> ColumnElement[bool]:
        # substr, not LIKE: exact and case-sensitive on SQLite and PostgreSQL alike, with no wildcard to escape
        path = type_coerce(FileRecord.path, String)
        if self.anywhere:  # a folder name anywhere in the path, any case
            return func.lower(path).contains(f"/{escape_path(self.prefix).lower()}/", autoescape=True)
        text = escape_path(self.prefix.rstrip("/")) + "/"
        return func.substr(path, 1, len(text)) == text


@dataclass(frozen=True)
class FormatQuery(Query):
    """Files in any of the given formats (soundfile's names: WAV, FLAC, OGG, MP3, AIFF...)."""

    formats: tuple[str, ...]

    def clause(self) -> ColumnElement[bool]:
        return func.upper(FileRecord.format).in_(self.formats)


@dataclass(frozen=True)
class PathQuery(Query):
    """Files whose path contains `pattern` (any case), or matches it as a glob when it holds * or ?."""

    pattern: str

    def clause(self) -> ColumnElement[bool]:
        path = func.lower(type_coerce(FileRecord.path, String))
        text = escape_path(self.pattern).lower()
        if not _is_glob(text):
            return path.contains(text, autoescape=True)
        like = "".join("%" if c == "*" else "_" if c == "?" else "!" + c if c in "%_!" else c for c in text)
        if "/" not in text:  # a pattern for the name: it may be preceded by any folders
            like = "%/" + like
        return path.like(like, escape="!")


@dataclass(frozen=True)
class AndQuery(Query):
    """All of several filters (none: every file)."""

    parts: tuple[Query, ...]

    def clause(self) -> ColumnElement[bool]:
        return and_(true(), *(p.clause() for p in self.parts)) if self.parts else true()


@dataclass(frozen=True)
class OrQuery(Query):
    """Any of several filters (none: no file)."""

    parts: tuple[Query, ...]

    def clause(self) -> ColumnElement[bool]:
        return or_(false(), *(p.clause() for p in self.parts))


def _is_glob(text: str) -> bool:
    return "*" in text or "?" in text


def parse_where(expr: str) -> NumericQuery:
    """Parse 'FIELD OP NUMBER[UNIT]' (e.g. 'duration<5', 'sample_rate>=44.1k'); a bad one is an OptionError."""
    m = _EXPR.match(expr)
    if not m:
        raise OptionError(f"--where {expr!r}: not FIELD OP NUMBER; accepted: {ACCEPTED}")
    name, op, number, unit = m.groups()
    field = _ALIASES.get(name.lower(), name.lower())
    if field not in _UNITS:
        raise OptionError(f"--where {expr!r}: unknown field {name!r}; accepted: {ACCEPTED}")
    factor = _UNITS[field].get(unit.lower())
    if factor is None:
        units = ", ".join(u for u in _UNITS[field] if u) or "none"
        raise OptionError(f"--where {expr!r}: unknown unit {unit!r} for {field} (units: {units}); "
                          f"accepted: {ACCEPTED}")
    return NumericQuery(field, op, float(number) * factor)


def parse_folder(text: str, cwd: str | None = None) -> FolderQuery:
    """A folder that exists (or an absolute path) selects the files under it; a bare name, any folder so named."""
    name = text.strip()
    if not name:
        raise OptionError("--folder '': give a folder, e.g. --folder foley or --folder /sounds/foley")
    p = Path(name).expanduser()
    if p.is_absolute() or "/" in name.strip("/") or name in (".", "..") or (Path(cwd or os.getcwd()) / p).is_dir():
        return FolderQuery(str((Path(cwd or os.getcwd()) / p).resolve()))
    return FolderQuery(name.strip("/"), anywhere=True)


def parse_format(text: str) -> tuple[str, ...]:
    """Return soundfile's format names for a user's 'wav', '.flac', 'MP3'..."""
    name = text.strip().lstrip(".").lower()
    if not name or not name.isalnum():
        raise OptionError(f"--format {text!r}: give a format name such as wav, flac, ogg, mp3, aiff")
    return _FORMATS.get(name, (name.upper(),))


def parse_path(text: str) -> PathQuery:
    if not text:
        raise OptionError("--path '': give part of a path (e.g. --path dog) or a glob (e.g. --path '*.wav')")
    return PathQuery(text)


def parse_filters(where: Iterable[str] = (), folders: Iterable[str] = (), formats: Iterable[str] = (),
                  paths: Iterable[str] = ()) -> Query | None:
    """Return the AND of the given filters (formats ORed among themselves), or None when none is given."""
    parts: list[Query] = [parse_where(w) for w in where]
    folder_parts: list[Query] = [parse_folder(f) for f in folders]
    if folder_parts:  # several folders: a file in any of them
        parts.append(folder_parts[0] if len(folder_parts) == 1 else OrQuery(tuple(folder_parts)))
    names: list[str] = []
    for f in formats:
        names += [n for n in parse_format(f) if n not in names]
    if names:
        parts.append(FormatQuery(tuple(names)))
    parts += [parse_path(p) for p in paths]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AndQuery(tuple(parts))


def describe(query: Query | None) -> str:
    """A short human form of a filter, for messages ('no file matches ...')."""
    if query is None:
        return "no filter"
    if isinstance(query, NumericQuery):
        return f"{query.field}{query.op}{query.value:g}"
    if isinstance(query, FolderQuery):
        return f"folder {query.prefix}" + (" (anywhere)" if query.anywhere else "")
    if isinstance(query, FormatQuery):
        return "format " + "|".join(query.formats)
    if isinstance(query, PathQuery):
        return f"path {query.pattern}"
    if isinstance(query, (AndQuery, OrQuery)):
        joiner = " and " if isinstance(query, AndQuery) else " or "
        return joiner.join(describe(p) for p in query.parts)
    return type(query).__name__


def as_query(where: Query | Sequence[str] | str | None) -> Query | None:
    """Accept a Query, None, or --where expression(s) (a convenience for callers such as the server)."""
    if where is None or isinstance(where, Query):
        return where
    return parse_filters(where=[where] if isinstance(where, str) else list(where))
